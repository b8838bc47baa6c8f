/** Form pieces the report pages share: choices with explanations, long text with a PHI check. */
import { useId, useMemo, type TextareaHTMLAttributes } from 'react';
import { describeFinding, detectPhi } from './phi';

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string | undefined;
}

interface RadioGroupProps<T extends string> {
  legend: string;
  name: string;
  choices: readonly Choice<T>[];
  value: T | '';
  onChange(value: T): void;
  error?: string | undefined;
  hint?: string | undefined;
  /** Lay the options out side by side (short labels such as A to I). */
  compact?: boolean;
}

/** A fieldset of radio buttons, each with its plain explanation tied to it for screen readers. */
export function RadioGroup<T extends string>({
  legend,
  name,
  choices,
  value,
  onChange,
  error,
  hint,
  compact = false,
}: RadioGroupProps<T>) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset
      className={['field', 'choice-group', error ? 'field--invalid' : ''].join(' ').trim()}
      aria-describedby={describedBy}
    >
      <legend>{legend}</legend>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className={compact ? 'choice-group__options choice-group__options--compact' : 'choice-group__options'}>
        {choices.map((choice) => {
          const choiceId = `${id}-${choice.value}`;
          return (
            <label key={choice.value} className="choice" htmlFor={choiceId}>
              <input
                id={choiceId}
                type="radio"
                name={name}
                value={choice.value}
                checked={value === choice.value}
                onChange={() => onChange(choice.value)}
                // Named by its label alone; the explanation is its description.
                aria-labelledby={`${choiceId}-label`}
                aria-describedby={choice.hint ? `${choiceId}-hint` : undefined}
              />
              <span className="choice__text">
                <span id={`${choiceId}-label`} className="choice__label">
                  {choice.label}
                </span>
                {choice.hint ? (
                  <span id={`${choiceId}-hint`} className="choice__hint">
                    {choice.hint}
                  </span>
                ) : null}
              </span>
            </label>
          );
        })}
      </div>
      {error ? (
        <p id={errorId} className="field__error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

interface TextAreaFieldProps extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'value'> {
  label: string;
  value: string;
  error?: string | undefined;
  hint?: string | undefined;
  /** Warn when the text looks like a patient identifier. */
  checkPhi?: boolean;
}

export function TextAreaField({ label, value, error, hint, checkPhi = false, className, ...textarea }: TextAreaFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const phiId = `${id}-phi`;
  const findings = useMemo(() => (checkPhi ? detectPhi(value) : []), [checkPhi, value]);
  const describedBy =
    [hint ? hintId : null, error ? errorId : null, findings.length ? phiId : null].filter(Boolean).join(' ') ||
    undefined;
  return (
    <div className={['field', error ? 'field--invalid' : '', className ?? ''].join(' ').trim()}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <textarea
        id={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        rows={5}
        {...textarea}
      />
      {checkPhi ? (
        // The region exists before its text changes, so the warning is announced as it appears.
        <div id={phiId} className={findings.length ? 'phi-warning' : 'visually-hidden'} role="status">
          {findings.length ? (
            <>
              <p className="phi-warning__title">This may identify a patient.</p>
              <ul>
                {findings.map((f) => (
                  <li key={`${f.kind}:${f.text}`}>{describeFinding(f)}</li>
                ))}
              </ul>
              <p>Reports need no patient identifiers: please remove it, or describe the patient in general words.</p>
            </>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p id={errorId} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
