import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DepartmentInsights, DepartmentWeek, Figure } from '../../api/types';
import { HeatMap } from './HeatMap';

const none: Figure = { value: null, suppressed: false };

function row(name: string, week: string, share: Figure): DepartmentWeek {
  const count: Figure = { value: 0, suppressed: false };
  return {
    scope: name === 'Whole organisation' ? 'organisation' : 'department',
    department_id: name === 'Whole organisation' ? null : `id-${name}`,
    department_name: name,
    week_start: week,
    checkins: { respondents: count, high_stress_share: share, stress_mean: none, questions: [] },
    reports: {
      total: count,
      harm_events: count,
      by_kind: {},
      by_category: {},
      by_harm: {},
      per_1000_patient_days: none,
      harm_events_per_1000_patient_days: none,
    },
    staffing: { shifts: 0, planned_staff: 0, actual_staff: 0, staffing_ratio: null, patient_days: null, patients_per_staff: null },
    support: {
      requests: count,
      requesters: count,
      first_contacts: count,
      median_minutes_to_first_contact: none,
      within_target: count,
      share_within_target: none,
    },
    debriefs: {
      debriefs_held: 0,
      action_items_opened: 0,
      action_items_done: 0,
      action_items_overdue: 0,
      stronger: 0,
      intermediate: 0,
      weaker: 0,
    },
  } as DepartmentWeek;
}

describe('HeatMap', () => {
  it('shows suppressed cells as suppressed, zero as zero and no data as a dash', () => {
    const data = {
      min_cell_size: 5,
      first_week: '2026-11-09',
      last_week: '2026-11-16',
      weeks: ['2026-11-09', '2026-11-16'],
      questions: [],
      rows: [
        row('ICU', '2026-11-09', { value: 0, suppressed: false }),
        row('ICU', '2026-11-16', { value: 0.5, suppressed: false }),
        row('Tiny', '2026-11-09', { value: null, suppressed: true }),
        row('Tiny', '2026-11-16', none),
      ],
    } as DepartmentInsights;
    render(<HeatMap data={data} />);
    const table = screen.getByRole('table', { name: /Share of staff reporting high stress/ });
    const tiny = within(table).getByRole('row', { name: /Tiny/ });
    const cells = within(tiny).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toEqual(['Suppressed', '–']);
    const icu = within(table).getByRole('row', { name: /ICU/ });
    expect(within(icu).getAllByRole('cell').map((c) => c.textContent)).toEqual(['0%', '50%']);
    expect(within(table).getAllByRole('columnheader').map((c) => c.textContent)).toEqual([
      'Department',
      'Week of 9 Nov',
      'Week of 16 Nov',
    ]);
  });
});
