import { useCallback, useMemo, useState } from 'react';
import { toFormErrors } from '../../api/problem';
import type { DepartmentWeek, Role } from '../../api/types';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { ControlChartView } from './ControlChartView';
import { formatFigure, formatNumber, weekLabel } from './format';
import { HeatMap } from './HeatMap';
import { HotspotList } from './HotspotList';
import { downloadCsv, getDepartmentInsights, getHotspots, getSignals } from './insightsApi';

const ALL_DEPARTMENT_ROLES: readonly Role[] = ['safety_officer', 'support_coordinator', 'admin'];
const HOTSPOT_ROLES: readonly Role[] = [...ALL_DEPARTMENT_ROLES, 'department_lead'];
const ORGANISATION = '';
const FORUM_SCHEDULERS: readonly Role[] = ['support_coordinator', 'safety_officer', 'department_lead'];

const loadHotspots = () => getHotspots();

function rowKey(row: Pick<DepartmentWeek, 'department_id' | 'scope'>): string {
  return row.scope === 'organisation' ? ORGANISATION : (row.department_id ?? 'none');
}

export default function InsightsPage() {
  usePageTitle('Insights');
  const { me } = useAuth();
  const roles = me?.roles ?? [];
  const seesHotspots = roles.some((r) => HOTSPOT_ROLES.includes(r));
  const canAlert = roles.includes('support_coordinator');
  // The debriefs domain decides who may schedule (leads for their department, safety
  // officers, coordinators for open forums); the client only offers it to them.
  const canScheduleForum = roles.some((r) => FORUM_SCHEDULERS.includes(r));

  const [weeks, setWeeks] = useState(13);
  const [selected, setSelected] = useState<string>(ORGANISATION);
  const [downloadError, setDownloadError] = useState<string | null>(null);

  const tableLoaded = useLoad(useCallback(() => getDepartmentInsights({ weeks }), [weeks]));
  const table = tableLoaded.data;
  const hotspotsLoaded = useLoad(seesHotspots ? loadHotspots : null);
  const hotspots = hotspotsLoaded.data;
  const signalsLoaded = useLoad(
    useCallback(() => getSignals(selected === ORGANISATION || selected === 'none' ? null : selected), [selected]),
  );
  // Another department's charts are not shown while its own are read (nor when they could not be).
  const signals = signalsLoaded.loading || signalsLoaded.error ? null : signalsLoaded.data;
  const error = downloadError ?? tableLoaded.error ?? hotspotsLoaded.error ?? signalsLoaded.error;

  const departments = useMemo(() => {
    const seen = new Map<string, string>();
    for (const row of table?.rows ?? []) {
      if (row.scope !== 'unassigned') seen.set(rowKey(row), row.department_name);
    }
    return [...seen.entries()].map(([value, label]) => ({ value, label }));
  }, [table]);

  const latest = useMemo(() => {
    if (!table) return [];
    return table.rows.filter((r) => r.week_start === table.last_week);
  }, [table]);

  const charts = (signals?.charts ?? []).filter((c) =>
    selected === ORGANISATION ? c.scope === 'organisation' : c.department_id === selected,
  );

  const download = async (...args: Parameters<typeof downloadCsv>) => {
    try {
      await downloadCsv(...args);
    } catch (err) {
      setDownloadError(toFormErrors(err).formError);
    }
  };

  const selectDepartment = (departmentId: string) => {
    setSelected(departmentId);
    document.getElementById('charts')?.scrollIntoView();
  };

  return (
    <>
      <div className="page-header">
        <h1>Insights</h1>
        {table ? (
          <button
            type="button"
            className="button button--secondary"
            onClick={() =>
              void download('departments', { start: table.first_week, end: table.last_week }, `haven-insights-${table.first_week}-to-${table.last_week}.csv`)
            }
          >
            Download CSV
          </button>
        ) : null}
      </div>
      <p className="lead">
        A week is published once it has closed, and never changes afterwards. Any figure from fewer than{' '}
        {table?.min_cell_size ?? 5} people is hidden, and so is any other that would let it be worked out.
        {ALL_DEPARTMENT_ROLES.some((r) => roles.includes(r)) || roles.includes('department_lead')
          ? ''
          : ' You see organisation-wide figures.'}
      </p>
      <FormError message={error} />
      <div className="filters">
        <SelectField
          label="Weeks shown"
          value={String(weeks)}
          onChange={(e) => {
            setWeeks(Number(e.target.value));
            setDownloadError(null);
          }}
          options={[
            { value: '13', label: 'Last 13 weeks (a quarter)' },
            { value: '26', label: 'Last 26 weeks' },
            { value: '52', label: 'Last 52 weeks' },
          ]}
        />
      </div>

      {seesHotspots ? (
        <section className="panel" aria-labelledby="hotspots-heading">
          <h2 id="hotspots-heading">Hotspots</h2>
          {hotspots === null ? <p role="status">Loading hotspots…</p> : (
            <HotspotList
              items={hotspots.items}
              canAlert={canAlert}
              canScheduleForum={canScheduleForum}
              onSelect={selectDepartment}
            />
          )}
        </section>
      ) : null}

      {table === null && error === null ? <p role="status">Loading figures…</p> : null}
      {table ? (
        <>
          <section className="panel" aria-labelledby="glance-heading">
            <h2 id="glance-heading">Week of {weekLabel(table.last_week)} at a glance</h2>
            <div className="table-scroll" role="region" aria-labelledby="glance-heading" tabIndex={0}>
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Department</th>
                    <th scope="col">High stress</th>
                    <th scope="col">Mean stress (1–5)</th>
                    <th scope="col">Staffing (actual ÷ planned)</th>
                    <th scope="col">Patients per staff</th>
                    <th scope="col">Reports / 1,000 patient-days</th>
                    <th scope="col">Harm events / 1,000 patient-days</th>
                    <th scope="col">Respondents</th>
                    <th scope="col">Support requests</th>
                    <th scope="col">Median minutes to first contact</th>
                    <th scope="col">Debriefs held</th>
                    <th scope="col">Actions overdue</th>
                  </tr>
                </thead>
                <tbody>
                  {latest.map((row) => (
                    <tr key={`${row.scope}:${row.department_id ?? ''}`}>
                      <th scope="row">{row.department_name}</th>
                      <td>{formatFigure(row.checkins.high_stress_share, 'share')}</td>
                      <td>{formatFigure(row.checkins.stress_mean, 'score')}</td>
                      <td>{formatNumber(row.staffing.staffing_ratio, 'ratio')}</td>
                      <td>{formatNumber(row.staffing.patients_per_staff, 'score')}</td>
                      <td>{formatFigure(row.reports.per_1000_patient_days, 'per_1000_patient_days')}</td>
                      <td>{formatFigure(row.reports.harm_events_per_1000_patient_days, 'per_1000_patient_days')}</td>
                      <td>{formatFigure(row.checkins.respondents, 'count')}</td>
                      <td>{formatFigure(row.support.requests, 'count')}</td>
                      <td>{formatFigure(row.support.median_minutes_to_first_contact, 'count')}</td>
                      <td>{row.debriefs.debriefs_held}</td>
                      <td>{row.debriefs.action_items_overdue}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="panel" aria-labelledby="heat-heading">
            <h2 id="heat-heading">Stress by week</h2>
            <HeatMap data={table} />
          </section>
        </>
      ) : null}

      <section className="panel" aria-labelledby="charts-heading" id="charts">
        <div className="page-header">
          <h2 id="charts-heading">Control charts</h2>
          {signals ? (
            <button
              type="button"
              className="button button--secondary"
              onClick={() =>
                void download(
                  'signals',
                  selected && selected !== 'none' ? { department_id: selected } : {},
                  `haven-control-charts-${signals.last_week}.csv`,
                )
              }
            >
              Download CSV<span className="visually-hidden"> of the control charts</span>
            </button>
          ) : null}
        </div>
        {departments.length > 1 ? (
          <div className="filters">
            <SelectField
              label="Department"
              value={selected}
              onChange={(e) => setSelected(e.target.value)}
              options={departments}
            />
          </div>
        ) : null}
        <p className="field__hint">
          Points beyond the dashed limits, or runs and trends, are marked as special causes (diamonds). Limits come from
          the first {signals?.baseline_weeks ?? 12} weeks shown.
        </p>
        {signals === null ? <p role="status">Loading charts…</p> : null}
        {charts.map((chart) => (
          <ControlChartView key={`${chart.metric}:${chart.question_key ?? ''}`} chart={chart} />
        ))}
      </section>
    </>
  );
}
