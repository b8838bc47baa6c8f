/** Control charts → rows for the chart library and words for the text alternative. */
import type { ControlChart, InsightUnit } from '../../api/types';
import { formatValue, weekLabel } from './format';

export interface ChartRow {
  week: string;
  label: string;
  value: number | null;
  ucl: number | null;
  lcl: number | null;
  flagged: boolean;
  suppressed: boolean;
}

export function chartRows(chart: ControlChart): ChartRow[] {
  return chart.points.map((point) => ({
    week: point.week_start,
    label: weekLabel(point.week_start),
    value: point.value ?? null,
    ucl: point.ucl ?? null,
    lcl: point.lcl ?? null,
    flagged: point.flags.length > 0,
    suppressed: point.suppressed,
  }));
}

export const UNIT_WORDS: Record<InsightUnit, string> = {
  share: 'share of respondents',
  score: 'mean score (1–5)',
  per_1000_patient_days: 'per 1,000 patient-days',
  per_week: 'per week',
};

/** One paragraph saying what the chart shows: the text alternative of the picture. */
export function describeChart(chart: ControlChart): string {
  const rows = chartRows(chart);
  const shown = rows.filter((r) => r.value !== null);
  const suppressed = rows.filter((r) => r.suppressed).length;
  const parts: string[] = [];
  if (shown.length === 0) {
    parts.push(`No week has figures to show for ${chart.label.toLowerCase()}.`);
  } else {
    const last = shown[shown.length - 1]!;
    parts.push(`Latest: ${formatValue(last.value!, chart.unit)} in the week of ${last.label}.`);
  }
  if (chart.centre !== null && chart.centre !== undefined) {
    parts.push(`Usual level (centre line): ${formatValue(chart.centre, chart.unit)}.`);
  } else {
    parts.push(`Too few weeks in the baseline for control limits.`);
  }
  const current = chart.signals.filter((s) => s.current);
  if (current.length > 0) parts.push(...current.map((s) => s.description));
  else if (chart.centre !== null && chart.centre !== undefined) parts.push('No current signal.');
  if (suppressed > 0) parts.push(`${suppressed} ${suppressed === 1 ? 'week is' : 'weeks are'} suppressed (fewer than the minimum group size).`);
  return parts.join(' ');
}
