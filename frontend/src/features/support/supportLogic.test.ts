import { describe, expect, it } from 'vitest';
import {
  allWeek,
  awaitingFirstContact,
  durationText,
  fromLocalInput,
  groupByStatus,
  telHref,
  timeLeft,
  toLocalInput,
  windowText,
} from './supportLogic';

describe('durationText', () => {
  it('speaks in minutes, hours and days', () => {
    expect(durationText(0)).toBe('0 min');
    expect(durationText(45)).toBe('45 min');
    expect(durationText(60)).toBe('1 h');
    expect(durationText(185)).toBe('3 h 5 min');
    expect(durationText(60 * 50)).toBe('2 d 2 h');
  });
});

describe('timeLeft', () => {
  const now = new Date('2026-11-24T10:00:00Z');

  it('counts down to the first-contact target', () => {
    expect(timeLeft('2026-11-24T10:25:00Z', now)).toEqual({ overdue: false, text: '25 min left to first contact' });
  });

  it('says how far past the target a request is', () => {
    expect(timeLeft('2026-11-24T09:48:00Z', now)).toEqual({ overdue: true, text: 'Overdue by 12 min' });
  });
});

describe('awaitingFirstContact', () => {
  it('runs only until someone made contact', () => {
    expect(awaitingFirstContact({ status: 'assigned', first_contact_at: null })).toBe(true);
    expect(awaitingFirstContact({ status: 'contacted', first_contact_at: '2026-11-24T10:00:00Z' })).toBe(false);
    expect(awaitingFirstContact({ status: 'closed', first_contact_at: null })).toBe(false);
  });
});

describe('groupByStatus', () => {
  it('keeps the workflow order and drops empty groups', () => {
    const groups = groupByStatus([{ status: 'active' }, { status: 'new' }, { status: 'active' }] as const);
    expect(groups.map((g) => [g.status, g.items.length])).toEqual([
      ['new', 1],
      ['active', 2],
    ]);
  });
});

describe('on-call windows', () => {
  it('describes day, overnight and all-day windows', () => {
    expect(windowText({ weekday: 0, start: '08:00', end: '16:00' })).toBe('Monday 08:00–16:00');
    expect(windowText({ weekday: 4, start: '22:00', end: '06:00' })).toBe('Friday 22:00–06:00 (next day)');
    expect(windowText({ weekday: 6, start: '00:00', end: '00:00' })).toBe('Sunday, all day from 00:00');
  });

  it('offers every day of the week at once', () => {
    expect(allWeek().map((w) => w.weekday)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('local date-time inputs', () => {
  it('round-trips a moment through the input value', () => {
    const moment = new Date(2026, 10, 24, 9, 5);
    expect(toLocalInput(moment)).toBe('2026-11-24T09:05');
    expect(fromLocalInput(toLocalInput(moment))).toBe(moment.toISOString());
    expect(fromLocalInput('not a date')).toBeNull();
  });
});

describe('telHref', () => {
  it('dials what people write', () => {
    expect(telHref('116 123')).toBe('tel:116123');
    expect(telHref('+44 (0)20 7946 0000')).toBe('tel:+442079460000');
    expect(telHref('ext')).toBeNull();
  });
});
