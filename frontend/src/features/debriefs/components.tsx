/** Small pieces shared by the debrief pages. */
import { useId, type TextareaHTMLAttributes } from 'react';
import { Link } from 'react-router';
import { useLoad } from '../../hooks/useLoad';
import {
  listCategories,
  type ActionCategoryInfo,
  type ActionItem,
  type ActionStrength,
  type DebriefStatus,
} from './debriefsApi';
import { ACTION_STATUS_LABELS, STATUS_LABELS, STRENGTHS, STRENGTH_EXPLAINED, STRENGTH_LABELS } from './labels';
import { formatDay } from './record';

const BARS: Record<ActionStrength, string> = { stronger: '▮▮▮', intermediate: '▮▮▯', weaker: '▮▯▯' };

/** The strength of an action, in words (the bars only repeat it for the eye). */
export function StrengthBadge({ strength }: { strength: ActionStrength }) {
  return (
    <span className={`strength strength--${strength}`}>
      <span aria-hidden="true" className="strength__bars">
        {BARS[strength]}
      </span>{' '}
      {STRENGTH_LABELS[strength]}
    </span>
  );
}

export function DebriefStatusBadge({ status }: { status: DebriefStatus }) {
  return <span className={`badge debrief-status debrief-status--${status}`}>{STATUS_LABELS[status]}</span>;
}

const loadCategories = () => listCategories();

/** The RCA² categories, loaded once per page that needs them. */
export function useCategories(): { categories: ActionCategoryInfo[]; error: string | null } {
  const { data, error } = useLoad(loadCategories);
  return { categories: data ?? [], error };
}

/** The action hierarchy explained: why stronger actions are preferred, with examples. */
export function HierarchyExplainer({ categories, open = false }: { categories: ActionCategoryInfo[]; open?: boolean }) {
  return (
    <details className="hierarchy" open={open}>
      <summary>How actions are graded: the RCA² action hierarchy</summary>
      <p>
        Actions that change the system work without anyone having to remember or try harder. Aim for at least one
        stronger or intermediate action; weaker ones help alongside them but rarely prevent a repeat on their own.
      </p>
      {STRENGTHS.map((strength) => (
        <section key={strength} className="hierarchy__tier" aria-label={STRENGTH_LABELS[strength]}>
          <h3>
            <StrengthBadge strength={strength} />
          </h3>
          <p className="field__hint">{STRENGTH_EXPLAINED[strength]}</p>
          <ul>
            {categories
              .filter((c) => c.strength === strength)
              .map((c) => (
                <li key={c.category}>
                  <strong>{c.label}</strong>: {c.example}
                </li>
              ))}
          </ul>
        </section>
      ))}
    </details>
  );
}

interface TextAreaFieldProps extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'> {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
}

export function TextAreaField({ label, error, hint, className, ...textarea }: TextAreaFieldProps) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'field--invalid' : '', className ?? ''].join(' ').trim()}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      <textarea id={id} rows={4} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...textarea} />
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

const SCALE = ['Not at all', 'A little', 'Somewhat', 'Mostly', 'Completely'];

/** A 1–5 answer as five large radio buttons (easy to hit on a phone). */
export function ScaleField({
  legend,
  name,
  value,
  onChange,
  error,
}: {
  legend: string;
  name: string;
  value: number | null;
  onChange(value: number): void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <fieldset
      className={['field', 'scale', error ? 'field--invalid' : ''].join(' ').trim()}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend>{legend}</legend>
      <div className="scale__options">
        {SCALE.map((label, index) => (
          <label key={label} className="scale__option">
            <input
              type="radio"
              name={name}
              value={index + 1}
              checked={value === index + 1}
              onChange={() => onChange(index + 1)}
            />
            <span className="scale__number">{index + 1}</span>{' '}
            <span className="scale__label">{label}</span>
          </label>
        ))}
      </div>
      <p className="scale__ends" aria-hidden="true">
        <span>1 = {SCALE[0]}</span>
        <span>5 = {SCALE[4]}</span>
      </p>
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** One action item as a card: strength first, then what, who, when, status. */
export function ActionItemCard({ item, departmentName }: { item: ActionItem; departmentName?: string | undefined }) {
  return (
    <li className="card action-card">
      <div className="card__main">
        <p className="action-card__badges">
          <StrengthBadge strength={item.strength} />{' '}
          <span className="badge badge--muted">{ACTION_STATUS_LABELS[item.status]}</span>{' '}
          {item.is_overdue ? <span className="badge badge--overdue">Overdue</span> : null}
        </p>
        <h3 className="card__title">{item.description}</h3>
        <p className="card__meta">
          Owner {item.owner.display_name} · due {formatDay(item.due_on)}
          {departmentName ? ` · ${departmentName}` : ''}
        </p>
        <p className="card__meta">Effectiveness: {item.effectiveness_measure}</p>
      </div>
      <div className="card__actions">
        <Link to={`/action-items/${item.id}`} className="button button--secondary">
          Open<span className="visually-hidden"> action: {item.description}</span>
        </Link>
      </div>
    </li>
  );
}
