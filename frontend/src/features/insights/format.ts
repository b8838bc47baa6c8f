/**
 * How insight figures read: shares as percentages, rates and scores with one decimal,
 * a suppressed figure as "Suppressed" (never as zero or blank), no data as an en dash.
 */
import type { Figure, InsightUnit } from '../../api/types';

export const SUPPRESSED_TEXT = 'Suppressed';
export const NO_DATA_TEXT = '–';

export type FigureState = 'suppressed' | 'empty' | 'value';

export function figureState(figure: Figure | null | undefined): FigureState {
  if (figure?.suppressed) return 'suppressed';
  if (figure == null || figure.value === null || figure.value === undefined) return 'empty';
  return 'value';
}

export function formatValue(value: number, unit: InsightUnit | 'count' | 'ratio'): string {
  switch (unit) {
    case 'share':
      return `${Math.round(value * 100)}%`;
    case 'score':
    case 'ratio':
      return value.toFixed(unit === 'ratio' ? 2 : 1);
    case 'count':
      return String(Math.round(value));
    default:
      return value.toFixed(1);
  }
}

export function formatFigure(figure: Figure | null | undefined, unit: InsightUnit | 'count' | 'ratio'): string {
  const state = figureState(figure);
  if (state === 'suppressed') return SUPPRESSED_TEXT;
  if (state === 'empty') return NO_DATA_TEXT;
  return formatValue(figure!.value as number, unit);
}

export function formatNumber(value: number | null | undefined, unit: 'count' | 'ratio' | InsightUnit): string {
  return value === null || value === undefined ? NO_DATA_TEXT : formatValue(value, unit);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "16 Nov" for an ISO date (the week's Monday); no time zone shifts. */
export function weekLabel(isoDate: string): string {
  const [, month, day] = isoDate.split('-').map(Number);
  return `${day} ${MONTHS[(month ?? 1) - 1]}`;
}

/** Heat bucket 0-4 for a share of high stress, or null when there is nothing to colour. */
export function heatBucket(figure: Figure | null | undefined): number | null {
  if (figureState(figure) !== 'value') return null;
  const share = figure!.value as number;
  if (share < 0.1) return 0;
  if (share < 0.2) return 1;
  if (share < 0.3) return 2;
  if (share < 0.4) return 3;
  return 4;
}

export const HEAT_LEGEND = ['under 10%', '10–19%', '20–29%', '30–39%', '40% or more'] as const;
