import { describe, expect, it } from 'vitest';
import { blameHints, blameReminder, nameForms } from './blame';

describe('nameForms', () => {
  it('gives the whole name and each part long enough to be a name', () => {
    expect(nameForms('Dr Tom Becker')).toEqual(['Dr Tom Becker', 'Tom', 'Becker']);
  });

  it('drops titles and very short parts', () => {
    expect(nameForms('Mx Al Nguyen')).toEqual(['Mx Al Nguyen', 'Nguyen']);
  });
});

describe('blameHints', () => {
  const people = ['Sam Okafor', 'Priya Natarajan'];

  it('finds a participant named as the cause', () => {
    expect(blameHints('Sam forgot to switch the alarm on', people)).toEqual({ named: ['Sam Okafor'], blaming: true });
  });

  it('matches names whatever their case, but only as whole words', () => {
    expect(blameHints('the okafor pump', people).named).toEqual(['Sam Okafor']);
    expect(blameHints('Samples were sent late', people).named).toEqual([]);
  });

  it('finds words of blame without a name', () => {
    expect(blameHints('The nurse should have checked', people)).toEqual({ named: [], blaming: true });
  });

  it('says nothing about a system description', () => {
    expect(blameHints('The bed alarm was not re-armed after the transfer', people)).toEqual({
      named: [],
      blaming: false,
    });
  });
});

describe('blameReminder', () => {
  it('is null when every text describes systems', () => {
    expect(blameReminder(['Two admissions arrived at once', 'Handover without the falls risk'], ['Sam Okafor'])).toBeNull();
  });

  it('names the people once across several texts and suggests a system description', () => {
    const reminder = blameReminder(['Sam was late', 'Sam forgot the alarm'], ['Sam Okafor']);
    expect(reminder).toContain('This names Sam Okafor.');
    expect(reminder).toContain('Describe what the system did');
    expect(reminder?.match(/Sam Okafor/g)).toHaveLength(1);
  });
});
