import { describe, expect, it } from 'vitest';
import { describeFinding, detectPhi } from './phi';

const TODAY = new Date(2025, 5, 15);
const kinds = (text: string) => detectPhi(text, TODAY).map((f) => f.kind);
const texts = (text: string) => detectPhi(text, TODAY).map((f) => f.text);

describe('detectPhi: medical record numbers', () => {
  it.each([
    ['MRN 4471923 was on the wrong wristband', 'MRN 4471923'],
    ['mrn: 00123456', 'mrn: 00123456'],
    ['MR# A-123456 given twice', 'MR# A-123456'],
    ['hospital number 99887766', 'hospital number 99887766'],
    ['NHS no. 943 476 5919', 'NHS no. 943 476 5919'],
    ['patient ID 55512 had no allergy band', 'patient ID 55512'],
  ])('flags a labelled number: %s', (text, expected) => {
    expect(detectPhi(text, TODAY)).toEqual([{ kind: 'record_number', text: expected }]);
  });

  it.each([
    ['chart 4471923 was mixed up', '4471923'],
    ['label showed H1234567', 'H1234567'],
    ['number 943 476 5919 on the form', '943 476 5919'],
  ])('flags a bare run of digits that could be one: %s', (text, expected) => {
    expect(texts(text)).toEqual([expected]);
  });

  it.each([
    'Heparin 25000 units were prepared instead of 5000 units',
    'Bed 12, room 4B, at 03:40',
    'Infusion ran at 125.5 ml/h for 2 hours',
    'Pump serial 12345 failed',
    'Called extension 4456 twice',
    '',
  ])('does not flag ordinary clinical text: %s', (text) => {
    expect(detectPhi(text, TODAY)).toEqual([]);
  });

  it('does not flag a long decimal quantity', () => {
    expect(kinds('dose 1234567.5 units')).toEqual([]);
  });
});

describe('detectPhi: dates of birth', () => {
  it.each([
    ['DOB 12/03/1985', '12/03/1985'],
    ['date of birth: 1990-07-01', '1990-07-01'],
    ['born on 3 March 2024', '3 March 2024'],
    ['d.o.b. 01.02.2025', '01.02.2025'],
  ])('flags a date introduced as a birth date, however recent: %s', (text, expected) => {
    expect(detectPhi(text, TODAY)).toEqual([{ kind: 'date_of_birth', text: expected }]);
  });

  it.each([
    ['patient (12/03/1985) fell', '12/03/1985'],
    ['a man, March 12, 1947, was given', 'March 12, 1947'],
    ['seen 1/2/85 in clinic', '1/2/85'],
  ])('flags a date more than a year back even without the words: %s', (text, expected) => {
    expect(texts(text)).toEqual([expected]);
  });

  it.each([
    'On 14/06/2025 at night the pump alarmed',
    'Happened 2025-06-14 during handover',
    'Since 3 January 2024 the door has been broken',
    'On 1/6/24 and again on 2/6/25',
  ])('does not flag a recent event date: %s', (text) => {
    expect(detectPhi(text, TODAY)).toEqual([]);
  });
});

describe('detectPhi: several findings', () => {
  it('lists each finding once, in the order of the rules', () => {
    const text = 'MRN 4471923, DOB 12/03/1985. Again: MRN 4471923.';
    expect(detectPhi(text, TODAY)).toEqual([
      { kind: 'date_of_birth', text: '12/03/1985' },
      { kind: 'record_number', text: 'MRN 4471923' },
    ]);
  });

  it('does not count the digits of a date as a record number', () => {
    expect(kinds('DOB 1985-03-12')).toEqual(['date_of_birth']);
  });
});

describe('describeFinding', () => {
  it('names what the text looks like', () => {
    expect(describeFinding({ kind: 'record_number', text: '4471923' })).toBe(
      '“4471923” looks like a medical record number.',
    );
    expect(describeFinding({ kind: 'date_of_birth', text: '12/03/1985' })).toBe(
      '“12/03/1985” looks like a date of birth.',
    );
  });
});
