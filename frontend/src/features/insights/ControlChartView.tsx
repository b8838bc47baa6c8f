import { useId, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ControlChart } from '../../api/types';
import { chartRows, describeChart, UNIT_WORDS, type ChartRow } from './chartData';
import { formatValue, NO_DATA_TEXT, SUPPRESSED_TEXT } from './format';
import './insights.css';

interface DotProps {
  cx?: number;
  cy?: number;
  payload?: ChartRow;
}

function PointDot({ cx, cy, payload }: DotProps) {
  if (cx === undefined || cy === undefined || !payload || payload.value === null) return null;
  if (payload.flagged) {
    // A flagged point is a larger diamond: its shape, not only its colour, marks it.
    const s = 7;
    return (
      <path
        d={`M ${cx} ${cy - s} L ${cx + s} ${cy} L ${cx} ${cy + s} L ${cx - s} ${cy} Z`}
        className="chart-point chart-point--flagged"
      />
    );
  }
  return <circle cx={cx} cy={cy} r={3.5} className="chart-point" />;
}

/** A control chart with its limits and flagged points, and a table of the same figures. */
export function ControlChartView({ chart }: { chart: ControlChart }) {
  const [asTable, setAsTable] = useState(false);
  const titleId = useId();
  const rows = chartRows(chart);
  const fmt = (v: number) => formatValue(v, chart.unit);
  return (
    <figure className="control-chart" aria-labelledby={titleId}>
      <div className="control-chart__header">
        <h3 id={titleId}>{chart.label}</h3>
        <button type="button" className="button button--secondary" onClick={() => setAsTable((t) => !t)}>
          {asTable ? 'Show as chart' : 'Show as table'}
          <span className="visually-hidden">: {chart.label}</span>
        </button>
      </div>
      <figcaption className="control-chart__summary">{describeChart(chart)}</figcaption>
      {asTable ? (
        <div className="table-scroll" role="region" aria-label={`${chart.label}: table`} tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Week of</th>
                <th scope="col">Value ({UNIT_WORDS[chart.unit]})</th>
                <th scope="col">Lower limit</th>
                <th scope="col">Upper limit</th>
                <th scope="col">Signal</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.week}>
                  <th scope="row">{row.label}</th>
                  <td>{row.suppressed ? SUPPRESSED_TEXT : row.value === null ? NO_DATA_TEXT : fmt(row.value)}</td>
                  <td>{row.lcl === null ? NO_DATA_TEXT : fmt(row.lcl)}</td>
                  <td>{row.ucl === null ? NO_DATA_TEXT : fmt(row.ucl)}</td>
                  <td>{row.flagged ? 'Special cause' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <div className="control-chart__plot" aria-hidden="true">
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 0 }} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" className="chart-grid" />
              <XAxis dataKey="label" tick={{ fontSize: 12 }} interval="preserveStartEnd" />
              <YAxis tick={{ fontSize: 12 }} width={44} tickFormatter={(v: number) => fmt(v)} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? fmt(v) : String(v))} />
              {chart.centre !== null && chart.centre !== undefined ? (
                <ReferenceLine y={chart.centre} className="chart-centre" strokeDasharray="6 3" />
              ) : null}
              <Line type="stepAfter" dataKey="ucl" name="Upper limit" dot={false} className="chart-limit" strokeDasharray="4 4" isAnimationActive={false} connectNulls={false} />
              <Line type="stepAfter" dataKey="lcl" name="Lower limit" dot={false} className="chart-limit" strokeDasharray="4 4" isAnimationActive={false} connectNulls={false} />
              <Line type="linear" dataKey="value" name="Value" className="chart-value" dot={<PointDot />} activeDot={false} isAnimationActive={false} connectNulls={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
