/**
 * The just-culture guide's questions, in words, and which to ask next on screen.
 *
 * The outcome letter is never decided here: the server computes it from the answers
 * (backend/haven/reports/justculture.py) and returns it with `next_question`. What the
 * client knows is only the order of the questions and which answer ends the guide, so
 * it can show the questions already asked, step back through them and build the next
 * write.
 */
import { JC_QUESTIONS, type ContributingFactor, type JcAnswer, type JcQuestion, type JcReview, type JcReviewWrite } from '../../api/types';

export interface Stage {
  title: string;
  intro: string;
}

export const STAGES: readonly Stage[] = [
  { title: 'Deliberate harm', intro: 'Start with intent: was anyone trying to cause harm?' },
  { title: 'Health', intro: 'Could health have played a part? This is about support, not blame.' },
  { title: 'Foresight', intro: 'Were there protocols, did they work in practice, and were they knowingly departed from?' },
  { title: 'Substitution', intro: 'Would others in the same place have done the same? Did the system prepare and support this person?' },
  { title: 'Mitigating circumstances', intro: 'Were there circumstances that should weigh in the person’s favour?' },
];

export interface QuestionText {
  stage: number;
  text: string;
  help: string;
}

export const QUESTIONS: Record<JcQuestion, QuestionText> = {
  deliberate_harm: {
    stage: 0,
    text: 'Was there any intention to cause harm?',
    help: 'Intent to harm is very rare. A mistake, even a serious one, is not intent.',
  },
  substance_abuse: {
    stage: 1,
    text: 'Are there indications of substance abuse?',
    help: 'Only facts, for example a test result or a report, not suspicion.',
  },
  ill_health: {
    stage: 1,
    text: 'Are there indications of physical or mental ill health?',
    help: 'Including stress and exhaustion. A yes leads to occupational health support.',
  },
  protocols_existed: {
    stage: 2,
    text: 'Were there agreed protocols or accepted practice in place?',
    help: 'A written procedure, or a way of working everyone knew.',
  },
  protocols_workable: {
    stage: 2,
    text: 'Were the protocols workable and in routine use?',
    help: 'Could they be followed on a normal shift, and were they followed by others?',
  },
  knowingly_departed: {
    stage: 2,
    text: 'Did the individual knowingly depart from these protocols?',
    help: 'Knowingly: they knew the protocol and chose a different way.',
  },
  peers_would_act_same: {
    stage: 3,
    text: 'Would others with comparable experience and qualifications have acted the same in similar circumstances?',
    help: 'The substitution test: put a colleague in the same situation.',
  },
  missed_training: {
    stage: 3,
    text: 'Was the individual missed out when relevant training was provided to peers?',
    help: 'For example not rostered to a session, or joined after it ran.',
  },
  supervision_lacking: {
    stage: 3,
    text: 'Did more senior members of the team fail to provide the supervision that normally should be provided?',
    help: 'Supervision the role normally has, that was not there this time.',
  },
  mitigating_circumstances: {
    stage: 4,
    text: 'Were there any significant mitigating circumstances?',
    help: 'For example an emergency elsewhere, a personal crisis, or being asked to work beyond competence.',
  },
};

/** The answer to each question that ends the guide there (the last question ends it either way). */
const ENDS_GUIDE: Record<Exclude<JcQuestion, 'mitigating_circumstances'>, boolean> = {
  deliberate_harm: true,
  substance_abuse: true,
  ill_health: true,
  protocols_existed: false,
  protocols_workable: false,
  knowingly_departed: false,
  peers_would_act_same: true,
  missed_training: true,
  supervision_lacking: true,
};

export type Answers = Partial<Record<JcQuestion, JcAnswer>>;

/**
 * The questions the guide has asked for these answers, in order: up to the first
 * unanswered ("not yet known" counts as unanswered) or the answer that ends it.
 */
export function askedQuestions(answers: Answers): JcQuestion[] {
  const asked: JcQuestion[] = [];
  for (const question of JC_QUESTIONS) {
    asked.push(question);
    const answer = answers[question]?.answer;
    if (answer === undefined || answer === null) break;
    if (question === 'mitigating_circumstances' || ENDS_GUIDE[question] === answer) break;
  }
  return asked;
}

/** Whether the answers already reach the end of the guide (the server then has an outcome). */
export function reachesEnd(answers: Answers): boolean {
  const asked = askedQuestions(answers);
  const last = asked[asked.length - 1]!;
  const answer = answers[last]?.answer;
  return answer !== undefined && answer !== null;
}

/** The question before this one on the path the guide took (null at the first). */
export function previousQuestion(answers: Answers, current: JcQuestion | null): JcQuestion | null {
  const asked = askedQuestions(answers);
  if (current === null) return asked[asked.length - 1] ?? null;
  const index = asked.indexOf(current);
  return index > 0 ? asked[index - 1]! : null;
}

/** Where the screen should go after the server answered: its next question, or the outcome. */
export function screenAfterSave(review: Pick<JcReview, 'next_question'>): JcQuestion | 'outcome' {
  return review.next_question ?? 'outcome';
}

/** "Question 4 of at most 10", for the progress line. */
export function progressOf(question: JcQuestion): { number: number; total: number; stage: Stage } {
  return { number: JC_QUESTIONS.indexOf(question) + 1, total: JC_QUESTIONS.length, stage: STAGES[QUESTIONS[question].stage]! };
}

/** The PUT/POST body that records one answer and keeps everything else as it was. */
export function writeWithAnswer(
  review: Pick<JcReview, 'subject' | 'answers' | 'system_factors'>,
  question: JcQuestion,
  answer: boolean | null,
  evidence: string,
): JcReviewWrite {
  return {
    subject: review.subject,
    answers: { ...review.answers, [question]: { answer, evidence: evidence.trim() } },
    system_factors: review.system_factors,
    // Changing an answer reopens a completed review: the outcome may change with it.
    complete: false,
  };
}

/** The body that completes the review with the system factors chosen. */
export function writeCompletion(
  review: Pick<JcReview, 'subject' | 'answers'>,
  systemFactors: ContributingFactor[],
): JcReviewWrite {
  return { subject: review.subject, answers: review.answers, system_factors: systemFactors, complete: true };
}

/** Of the guide's seven outcomes, these four point away from action against the individual. */
export const SYSTEM_FOCUSED_OUTCOMES = ['C', 'D', 'E', 'F'] as const;
