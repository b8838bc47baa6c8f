import { describe, expect, it } from 'vitest';
import { JC_QUESTIONS, type JcQuestion, type JcReview } from '../../api/types';
import {
  askedQuestions,
  previousQuestion,
  progressOf,
  QUESTIONS,
  reachesEnd,
  screenAfterSave,
  writeCompletion,
  writeWithAnswer,
  type Answers,
} from './justCulture';

const yes = { answer: true, evidence: '' };
const no = { answer: false, evidence: '' };
const unknown = { answer: null, evidence: '' };

/** Answers that walk past every stop: no harm intended, healthy, protocols fine and knowingly broken, peers would not have, trained, supervised. */
const THROUGH: Answers = {
  deliberate_harm: no,
  substance_abuse: no,
  ill_health: no,
  protocols_existed: yes,
  protocols_workable: yes,
  knowingly_departed: yes,
  peers_would_act_same: no,
  missed_training: no,
  supervision_lacking: no,
};

describe('askedQuestions', () => {
  it('starts with deliberate harm', () => {
    expect(askedQuestions({})).toEqual(['deliberate_harm']);
  });

  it('stops at the first question not yet known', () => {
    expect(askedQuestions({ deliberate_harm: no, substance_abuse: unknown, ill_health: no })).toEqual([
      'deliberate_harm',
      'substance_abuse',
    ]);
  });

  it.each<[JcQuestion, boolean]>([
    ['deliberate_harm', true],
    ['substance_abuse', true],
    ['ill_health', true],
    ['protocols_existed', false],
    ['protocols_workable', false],
    ['knowingly_departed', false],
    ['peers_would_act_same', true],
    ['missed_training', true],
    ['supervision_lacking', true],
  ])('ends at %s when answered %s', (question, answer) => {
    const answers: Answers = { ...THROUGH, [question]: { answer, evidence: '' } };
    const asked = askedQuestions(answers);
    expect(asked[asked.length - 1]).toBe(question);
    expect(asked).toEqual(JC_QUESTIONS.slice(0, JC_QUESTIONS.indexOf(question) + 1));
    expect(reachesEnd(answers)).toBe(true);
  });

  it('goes on past an answer that does not end the guide', () => {
    expect(askedQuestions({ deliberate_harm: no })).toEqual(['deliberate_harm', 'substance_abuse']);
    expect(askedQuestions({ ...THROUGH, knowingly_departed: yes })).toContain('mitigating_circumstances');
  });

  it.each([true, false])('ends at mitigating circumstances whatever the answer (%s)', (answer) => {
    const answers: Answers = { ...THROUGH, mitigating_circumstances: { answer, evidence: '' } };
    expect(askedQuestions(answers)).toEqual([...JC_QUESTIONS]);
    expect(reachesEnd(answers)).toBe(true);
  });

  it('ignores answers beyond the point where the guide ended', () => {
    const answers: Answers = { ...THROUGH, deliberate_harm: yes };
    expect(askedQuestions(answers)).toEqual(['deliberate_harm']);
  });

  it('does not reach the end while the last asked question is open', () => {
    expect(reachesEnd({ deliberate_harm: no })).toBe(false);
    expect(reachesEnd({ deliberate_harm: no, substance_abuse: unknown })).toBe(false);
    expect(reachesEnd(THROUGH)).toBe(false);
  });
});

describe('previousQuestion', () => {
  it('has none before the first question', () => {
    expect(previousQuestion({}, 'deliberate_harm')).toBeNull();
  });

  it('steps back along the questions asked', () => {
    expect(previousQuestion(THROUGH, 'protocols_existed')).toBe('ill_health');
  });

  it('from the outcome goes to the question that ended the guide', () => {
    expect(previousQuestion({ deliberate_harm: no, substance_abuse: yes }, null)).toBe('substance_abuse');
  });
});

describe('screenAfterSave', () => {
  it('follows the server to its next question, or to the outcome', () => {
    expect(screenAfterSave({ next_question: 'ill_health' })).toBe('ill_health');
    expect(screenAfterSave({ next_question: null })).toBe('outcome');
  });
});

describe('progressOf', () => {
  it('numbers the question and names its stage', () => {
    expect(progressOf('deliberate_harm')).toMatchObject({ number: 1, total: 10, stage: { title: 'Deliberate harm' } });
    expect(progressOf('missed_training')).toMatchObject({ number: 8, stage: { title: 'Substitution' } });
  });

  it('has words for every question', () => {
    for (const q of JC_QUESTIONS) expect(QUESTIONS[q].text).toMatch(/\?$/);
  });
});

describe('writing answers', () => {
  const review: Pick<JcReview, 'subject' | 'answers' | 'system_factors'> = {
    subject: 'Second check skipped',
    answers: { deliberate_harm: { answer: false, evidence: 'Statement' } },
    system_factors: ['staffing'],
  };

  it('adds the answer with trimmed evidence and keeps the others', () => {
    expect(writeWithAnswer(review, 'substance_abuse', false, '  none reported ')).toEqual({
      subject: 'Second check skipped',
      answers: {
        deliberate_harm: { answer: false, evidence: 'Statement' },
        substance_abuse: { answer: false, evidence: 'none reported' },
      },
      system_factors: ['staffing'],
      complete: false,
    });
  });

  it('records "not yet known" as a null answer', () => {
    expect(writeWithAnswer(review, 'substance_abuse', null, '').answers?.substance_abuse).toEqual({
      answer: null,
      evidence: '',
    });
  });

  it('completes with the chosen system factors', () => {
    expect(writeCompletion(review, ['handoff', 'workload'])).toEqual({
      subject: 'Second check skipped',
      answers: review.answers,
      system_factors: ['handoff', 'workload'],
      complete: true,
    });
  });
});
