import { useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import {
  CATEGORIES,
  CONTRIBUTING_FACTORS,
  type Category,
  type ContributingFactor,
  type Lesson,
  type ReportRead,
} from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { FormError } from '../../components/FormError';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { TextAreaField } from './fields';
import { CATEGORY, FACTOR } from './labels';
import { publishLesson } from './reportsApi';

const FIELDS = ['title', 'summary', 'actions_taken', 'categories', 'contributing_factors', 'report_ids'] as const;

/** One action per line, blank lines dropped. */
export function actionsFrom(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Publish a de-identified lesson to the learning feed, linked to this report. */
export function LessonPanel({ report, onPublished }: { report: ReportRead; onPublished(lesson: Lesson): void }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [actions, setActions] = useState('');
  const [categories, setCategories] = useState<Category[]>([report.category]);
  const [factors, setFactors] = useState<ContributingFactor[]>([...report.contributing_factors]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const idempotencyKey = useIdempotencyKey();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const missing: Record<string, string> = {};
    if (title.trim() === '') missing.title = 'Give the lesson a title.';
    if (summary.trim() === '') missing.summary = 'Say what was learned.';
    if (Object.keys(missing).length > 0) {
      setErrors({ formError: 'Please fill in the highlighted fields.', fieldErrors: missing });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const lesson = await publishLesson(
        {
          title: title.trim(),
          summary: summary.trim(),
          actions_taken: actionsFrom(actions),
          categories,
          contributing_factors: factors,
          report_ids: [report.id],
        },
        idempotencyKey.current(),
      );
      idempotencyKey.renew();
      setOpen(false);
      setTitle('');
      setSummary('');
      setActions('');
      onPublished(lesson);
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="lesson-title">
      <h2 id="lesson-title">Lessons</h2>
      <p className="lead">
        Share what was learned with all staff on the learning feed. The reporter sees it on their report too.
      </p>
      {!open ? (
        <button type="button" className="button button--primary" onClick={() => setOpen(true)}>
          Write a lesson
        </button>
      ) : (
        <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
          <div className="alert alert--info">
            <p>
              Everyone in the organisation can read lessons. Leave out names of staff and patients, and details that
              would identify them or the reporter.
            </p>
          </div>
          <FormError message={errors.formError} />
          <TextField
            label="Title"
            value={title}
            maxLength={200}
            onChange={(event) => setTitle(event.target.value)}
            error={errors.fieldErrors.title}
          />
          <TextAreaField
            label="What we learned"
            value={summary}
            maxLength={10_000}
            checkPhi
            onChange={(event) => setSummary(event.target.value)}
            error={errors.fieldErrors.summary}
          />
          <TextAreaField
            label="Actions taken (one per line)"
            hint="For example: “Insulin now has its own labelled drawer”."
            value={actions}
            rows={4}
            checkPhi
            onChange={(event) => setActions(event.target.value)}
            error={errors.fieldErrors.actions_taken}
          />
          <CheckboxGroup
            legend="Categories"
            name="categories"
            options={CATEGORIES.map((c) => ({ value: c, label: CATEGORY[c] }))}
            values={categories}
            onChange={(values) => setCategories(values as Category[])}
            error={errors.fieldErrors.categories}
          />
          <CheckboxGroup
            legend="Contributing factors"
            name="lesson_factors"
            options={CONTRIBUTING_FACTORS.map((f) => ({ value: f, label: FACTOR[f].label }))}
            values={factors}
            onChange={(values) => setFactors(values as ContributingFactor[])}
            error={errors.fieldErrors.contributing_factors}
          />
          {errors.fieldErrors.report_ids ? <p className="field__error">{errors.fieldErrors.report_ids}</p> : null}
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Publishing…' : 'Publish the lesson'}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
