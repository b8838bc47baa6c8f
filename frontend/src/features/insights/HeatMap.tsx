import type { DepartmentInsights, DepartmentWeek } from '../../api/types';
import { formatFigure, HEAT_LEGEND, heatBucket, weekLabel } from './format';
import './insights.css';

interface HeatMapProps {
  data: DepartmentInsights;
}

/**
 * Department x week share of high stress, as a table: the table is the chart. Each cell
 * shows its value in text (colour only repeats it); suppressed cells say so.
 */
export function HeatMap({ data }: HeatMapProps) {
  const byDepartment = new Map<string, Map<string, DepartmentWeek>>();
  const names = new Map<string, string>();
  for (const row of data.rows) {
    const key = `${row.scope}:${row.department_id ?? ''}`;
    names.set(key, row.department_name);
    if (!byDepartment.has(key)) byDepartment.set(key, new Map());
    byDepartment.get(key)!.set(row.week_start, row);
  }
  return (
    <div className="table-scroll" role="region" aria-labelledby="heat-map-caption" tabIndex={0}>
      <table className="heat-map">
        <caption id="heat-map-caption">
          Share of staff reporting high stress (4 or 5 out of 5), by department and week
        </caption>
        <thead>
          <tr>
            <th scope="col">Department</th>
            {data.weeks.map((week) => (
              <th scope="col" key={week}>
                <span className="visually-hidden">Week of </span>
                {weekLabel(week)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...byDepartment.entries()].map(([key, weeks]) => (
            <tr key={key}>
              <th scope="row">{names.get(key)}</th>
              {data.weeks.map((week) => {
                const figure = weeks.get(week)?.checkins.high_stress_share;
                const bucket = heatBucket(figure);
                const className = figure?.suppressed
                  ? 'heat heat--suppressed'
                  : bucket === null
                    ? 'heat heat--empty'
                    : `heat heat--${bucket}`;
                return (
                  <td key={week} className={className}>
                    {formatFigure(figure, 'share')}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <ul className="heat-legend" aria-label="Colour key">
        {HEAT_LEGEND.map((label, bucket) => (
          <li key={label}>
            <span className={`heat-swatch heat--${bucket}`} aria-hidden="true" /> {label}
          </li>
        ))}
        <li>
          <span className="heat-swatch heat--suppressed" aria-hidden="true" /> Suppressed: fewer than{' '}
          {data.min_cell_size} people, or would reveal such a group
        </li>
        <li>
          <span className="heat-swatch heat--empty" aria-hidden="true" /> – no answers
        </li>
      </ul>
    </div>
  );
}
