import { describe, expect, it } from 'vitest';
import { formatFigure, heatBucket, NO_DATA_TEXT, SUPPRESSED_TEXT, weekLabel } from './format';

describe('formatFigure', () => {
  it('shows a suppressed figure as suppressed, never as zero', () => {
    expect(formatFigure({ value: null, suppressed: true }, 'count')).toBe(SUPPRESSED_TEXT);
    expect(formatFigure({ value: 0, suppressed: true }, 'share')).toBe(SUPPRESSED_TEXT);
  });

  it('shows zero as zero and missing data as a dash', () => {
    expect(formatFigure({ value: 0, suppressed: false }, 'count')).toBe('0');
    expect(formatFigure({ value: null, suppressed: false }, 'score')).toBe(NO_DATA_TEXT);
    expect(formatFigure(undefined, 'score')).toBe(NO_DATA_TEXT);
  });

  it('formats shares, scores and rates', () => {
    expect(formatFigure({ value: 0.375, suppressed: false }, 'share')).toBe('38%');
    expect(formatFigure({ value: 2.456, suppressed: false }, 'score')).toBe('2.5');
    expect(formatFigure({ value: 12.34, suppressed: false }, 'per_1000_patient_days')).toBe('12.3');
  });
});

describe('heatBucket', () => {
  it('colours only real values', () => {
    expect(heatBucket({ value: null, suppressed: true })).toBeNull();
    expect(heatBucket({ value: null, suppressed: false })).toBeNull();
  });

  it('puts shares in five bands', () => {
    expect([0, 0.1, 0.25, 0.39, 0.4, 1].map((v) => heatBucket({ value: v, suppressed: false }))).toEqual([
      0, 1, 2, 3, 4, 4,
    ]);
  });
});

describe('weekLabel', () => {
  it('names the Monday without time-zone drift', () => {
    expect(weekLabel('2026-11-16')).toBe('16 Nov');
    expect(weekLabel('2027-01-04')).toBe('4 Jan');
  });
});
