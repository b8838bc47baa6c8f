import { useCallback, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  CATEGORIES,
  HARMS,
  REPORT_KINDS,
  REPORT_MODES,
  REPORT_STATUSES,
  type ReportListItem,
  type ReportStatus,
} from '../../api/types';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import { useKeysetList } from '../../hooks/useKeysetList';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { useDepartments } from '../org/useDepartments';
import { formatDay } from './format';
import { CATEGORY, FACTOR, HARM, KIND, MODE, STATUS } from './labels';
import { countReports, listReports, type ReportFilters } from './reportsApi';
import { StatusTag } from './StatusTag';

function pick<T extends string>(values: readonly T[], raw: string | null): T | null {
  return raw !== null && (values as readonly string[]).includes(raw) ? (raw as T) : null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The triage queue. Safety officers see every report; a department lead sees their own
 * department's (the server scopes the list and the counts, the page only words it).
 * Filters live in the URL so they survive reloads and back/forward.
 */
export default function ReportQueuePage() {
  const { hasRole, me } = useAuth();
  const isOfficer = hasRole('safety_officer');
  const title = isOfficer ? 'Triage queue' : 'Department reports';
  usePageTitle(title);
  const departments = useDepartments();
  const [params, setParams] = useSearchParams();

  const filters: ReportFilters = useMemo(
    () => ({
      status: pick(REPORT_STATUSES, params.get('status')),
      kind: pick(REPORT_KINDS, params.get('kind')),
      category: pick(CATEGORIES, params.get('category')),
      harm: pick(HARMS, params.get('harm')),
      mode: pick(REPORT_MODES, params.get('mode')),
      departmentId: isOfficer ? params.get('department') || null : null,
      occurredFrom: DATE.test(params.get('from') ?? '') ? params.get('from') : null,
      occurredTo: DATE.test(params.get('to') ?? '') ? params.get('to') : null,
    }),
    [params, isOfficer],
  );
  // `filters` changes only when the URL does (useSearchParams is memoised on it).
  const load = useCallback((cursor: string | null) => listReports(filters, cursor), [filters]);
  const list = useKeysetList<ReportListItem>(load);

  const countsLoaded = useLoad(useCallback(() => countReports(filters), [filters]));
  const counts = countsLoaded.data;
  const countsError = countsLoaded.error;

  // Open the filters at first when the address already carries some (a shared or reloaded link).
  const [filtersOpen] = useState(() => [...params.keys()].some((k) => k !== 'status'));

  const setFilter = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const total = counts?.reduce((sum, c) => sum + c.count, 0) ?? null;
  const statusButton = (status: ReportStatus | null, label: string, count: number | null) => {
    const pressed = filters.status === status;
    return (
      <button
        type="button"
        className={pressed ? 'count-chip count-chip--on' : 'count-chip'}
        aria-pressed={pressed}
        onClick={() => setFilter('status', status)}
      >
        {label}
        <span className="count-chip__count">{count ?? '…'}</span>
      </button>
    );
  };

  return (
    <>
      <h1>{title}</h1>
      <p className="lead">
        {isOfficer
          ? 'Every report, newest first. Open one to triage it, review it and write to the reporter.'
          : `Reports from ${me?.department_name ?? 'your department'}, newest first. Confidential reporters’ names are not shown to department leads.`}
      </p>
      <FormError message={list.error ?? countsError ?? departments.error}>
        <button type="button" className="button button--secondary" onClick={() => list.reload()}>
          Reload list
        </button>
      </FormError>
      <section aria-labelledby="queue-counts-title">
        <h2 id="queue-counts-title" className="visually-hidden">
          Reports by status
        </h2>
        <ul className="count-chips">
          <li>{statusButton(null, 'All', total)}</li>
          {REPORT_STATUSES.map((status) => (
            <li key={status}>
              {statusButton(status, STATUS[status].label, counts?.find((c) => c.status === status)?.count ?? null)}
            </li>
          ))}
        </ul>
      </section>
      <details className="filters-panel" open={filtersOpen}>
        <summary>More filters</summary>
        <form className="filters" role="search" aria-label="Filter reports" onSubmit={(event) => event.preventDefault()}>
          <SelectField
            label="Kind"
            value={filters.kind ?? ''}
            onChange={(event) => setFilter('kind', event.target.value)}
            options={[{ value: '', label: 'All kinds' }, ...REPORT_KINDS.map((k) => ({ value: k, label: KIND[k].label }))]}
          />
          <SelectField
            label="Category"
            value={filters.category ?? ''}
            onChange={(event) => setFilter('category', event.target.value)}
            options={[{ value: '', label: 'All categories' }, ...CATEGORIES.map((c) => ({ value: c, label: CATEGORY[c] }))]}
          />
          <SelectField
            label="Harm"
            value={filters.harm ?? ''}
            onChange={(event) => setFilter('harm', event.target.value)}
            options={[{ value: '', label: 'Any harm' }, ...HARMS.map((h) => ({ value: h, label: HARM[h].label }))]}
          />
          <SelectField
            label="Reporting mode"
            value={filters.mode ?? ''}
            onChange={(event) => setFilter('mode', event.target.value)}
            options={[{ value: '', label: 'All modes' }, ...REPORT_MODES.map((m) => ({ value: m, label: MODE[m].label }))]}
          />
          {isOfficer ? (
            <SelectField
              label="Department"
              value={filters.departmentId ?? ''}
              onChange={(event) => setFilter('department', event.target.value)}
              options={[
                { value: '', label: 'All departments' },
                ...departments.departments.map((d) => ({ value: d.id, label: d.name })),
              ]}
            />
          ) : null}
          <TextField
            label="Happened from"
            type="date"
            value={filters.occurredFrom ?? ''}
            onChange={(event) => setFilter('from', event.target.value)}
          />
          <TextField
            label="Happened until"
            type="date"
            value={filters.occurredTo ?? ''}
            onChange={(event) => setFilter('to', event.target.value)}
          />
        </form>
      </details>
      {list.loading && list.items.length === 0 ? <p role="status">Loading reports…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>No reports match these filters.</p> : null}
      <ul className="card-list" aria-label="Reports">
        {list.items.map((report) => {
          const heading = `${KIND[report.kind].label}: ${CATEGORY[report.category]}`;
          return (
            <li key={report.id} className="card card--stacked">
              <div className="card__main">
                <h2 className="card__title">
                  <Link to={`/reports/${report.id}`}>
                    {heading}
                    <span className="visually-hidden">, happened {formatDay(report.occurred_on)}</span>
                  </Link>
                </h2>
                <p className="card__excerpt">
                  {report.excerpt}
                  {report.excerpt.length >= 160 ? '…' : ''}
                </p>
                <p className="card__meta">
                  Happened {formatDay(report.occurred_on)}
                  {' in '}
                  {departments.byId.get(report.department_id)?.name ?? 'an unknown department'} · sent{' '}
                  {formatDay(report.submitted_on)}
                </p>
                <p className="card__meta">
                  <StatusTag status={report.status} /> · {HARM[report.harm].label}
                  {report.ncc_merp ? ` (NCC MERP ${report.ncc_merp})` : ''} · {MODE[report.mode].label}
                </p>
                {report.contributing_factors.length > 0 ? (
                  <ul className="tag-list" aria-label="Contributing factors">
                    {report.contributing_factors.map((f) => (
                      <li key={f} className="tag">
                        {FACTOR[f].label}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}
