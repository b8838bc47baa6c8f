import { describe, expect, it } from 'vitest';
import type { ActionItem, DebriefRecord } from './debriefsApi';
import { draftOf, groupByDepartment, localInputToIso, missingForSummary, moved, toWrite } from './record';

const RECORD: DebriefRecord = {
  ground_rules: { acknowledged: false, text: 'Blame-free.', acknowledged_at: null },
  events: ['Alarm off'],
  went_well: null,
  was_hard: 'Two admissions',
  contributing_factors: [],
  learnings: null,
  support_offered: null,
  version: 3,
  updated_at: null,
};

function item(overrides: Partial<ActionItem>): ActionItem {
  return {
    id: 'a',
    debrief_id: 'd',
    report_id: null,
    department_id: 'ward',
    description: 'Re-arm alarms',
    owner: { id: 'o', display_name: 'Owner' },
    due_on: '2026-01-01',
    status: 'open',
    category: 'forcing_function',
    strength: 'stronger',
    effectiveness_measure: 'Spot checks',
    verification_note: null,
    is_overdue: true,
    can_manage: true,
    allowed_statuses: ['in_progress', 'done'],
    created_at: '2025-12-01T00:00:00Z',
    done_at: null,
    verified_at: null,
    version: 1,
    ...overrides,
  };
}

describe('the record draft', () => {
  it('round-trips a record, trimming and dropping empty events', () => {
    const draft = { ...draftOf(RECORD), events: [' Alarm off ', '  ', 'Fall found'], wentWell: '  ' };
    expect(toWrite(draft)).toEqual({
      ground_rules_acknowledged: false,
      events: ['Alarm off', 'Fall found'],
      went_well: null,
      was_hard: 'Two admissions',
      contributing_factors: [],
      learnings: null,
      support_offered: null,
    });
  });

  it('says what is missing before the record can be summarised', () => {
    expect(missingForSummary(draftOf(RECORD))).toEqual([
      'the ground rules agreed',
      'at least one contributing system factor',
    ]);
    expect(missingForSummary({ ...draftOf(RECORD), groundRulesAcknowledged: true, factors: ['handoff'] })).toEqual([]);
  });
});

describe('moved', () => {
  it('swaps an event with its neighbour', () => {
    expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
  });

  it('leaves the list alone at its ends', () => {
    expect(moved(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
    expect(moved(['a', 'b'], 1, 1)).toEqual(['a', 'b']);
  });
});

describe('groupByDepartment', () => {
  it('groups overdue items per department, by owner within, most overdue department first', () => {
    const items = [
      item({ id: '1', department_id: 'icu', owner: { id: 'z', display_name: 'Zoe' } }),
      item({ id: '2', department_id: 'ed', owner: { id: 'b', display_name: 'Bea' } }),
      item({ id: '3', department_id: 'icu', owner: { id: 'a', display_name: 'Ann' } }),
    ];
    const groups = groupByDepartment(items, (id) => id.toUpperCase());
    expect(groups.map((g) => [g.name, g.items.map((i) => i.id)])).toEqual([
      ['ICU', ['3', '1']],
      ['ED', ['2']],
    ]);
  });

  it('follows the server’s order of departments when given', () => {
    const items = [item({ id: '1', department_id: 'icu' }), item({ id: '2', department_id: 'ed' })];
    const counts = [
      { department_id: 'ed', overdue: 1, oldest_due_on: '2025-01-01' },
      { department_id: 'icu', overdue: 1, oldest_due_on: '2025-06-01' },
    ];
    expect(groupByDepartment(items, (id) => id, counts).map((g) => g.departmentId)).toEqual(['ed', 'icu']);
  });
});

describe('localInputToIso', () => {
  it('turns a local date and time into an ISO timestamp', () => {
    const iso = localInputToIso('2030-05-06T14:30');
    expect(iso).toBe(new Date('2030-05-06T14:30').toISOString());
  });

  it('is null for an empty or broken value', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('not a date')).toBeNull();
  });
});
