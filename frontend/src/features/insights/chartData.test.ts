import { describe, expect, it } from 'vitest';
import type { ControlChart } from '../../api/types';
import { chartRows, describeChart } from './chartData';

function chart(overrides: Partial<ControlChart> = {}): ControlChart {
  return {
    scope: 'department',
    department_id: '00000000-0000-4000-8000-000000000001',
    department_name: 'ICU',
    metric: 'high_stress_share',
    question_key: 'stress',
    label: 'Share of staff reporting high stress (4-5)',
    chart: 'p',
    unit: 'share',
    centre: 0.125,
    baseline_points: 12,
    points: [
      { week_start: '2026-11-02', value: 0.1, suppressed: false, ucl: 0.45, lcl: 0, flags: [] },
      { week_start: '2026-11-09', value: null, suppressed: true, ucl: null, lcl: null, flags: [] },
      { week_start: '2026-11-16', value: 0.6, suppressed: false, ucl: 0.45, lcl: 0, flags: ['beyond_limits'] },
    ],
    signals: [
      {
        rule: 'beyond_limits',
        direction: 'up',
        first_week: '2026-11-16',
        last_week: '2026-11-16',
        weeks: 1,
        adverse: true,
        current: true,
        description: 'Share of staff reporting high stress (4-5): 60% in the week of 16 Nov 2026, above the upper control limit of 45%.',
      },
    ],
    ...overrides,
  };
}

describe('chartRows', () => {
  it('keeps suppressed weeks as gaps, not zeros', () => {
    const rows = chartRows(chart());
    expect(rows[1]).toMatchObject({ value: null, suppressed: true, ucl: null });
    expect(rows[2]).toMatchObject({ value: 0.6, flagged: true, label: '16 Nov' });
  });
});

describe('describeChart', () => {
  it('says the latest value, the usual level, the signal and the suppressed weeks', () => {
    const text = describeChart(chart());
    expect(text).toContain('Latest: 60% in the week of 16 Nov.');
    expect(text).toContain('Usual level (centre line): 13%.');
    expect(text).toContain('above the upper control limit');
    expect(text).toContain('1 week is suppressed');
  });

  it('says when there are no limits yet', () => {
    expect(describeChart(chart({ centre: null, signals: [] }))).toContain('Too few weeks');
  });
});
