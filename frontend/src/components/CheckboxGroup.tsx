import { useId } from 'react';
import type { Option } from './SelectField';

interface CheckboxGroupProps {
  legend: string;
  name: string;
  options: readonly Option[];
  values: readonly string[];
  onChange(values: string[]): void;
  error?: string | undefined;
  hint?: string | undefined;
  disabled?: boolean | undefined;
}

/** A fieldset of checkboxes (e.g. roles, scopes) with one error for the whole list. */
export function CheckboxGroup({ legend, name, options, values, onChange, error, hint, disabled }: CheckboxGroupProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  const toggle = (value: string, checked: boolean) => {
    const next = checked ? [...values, value] : values.filter((v) => v !== value);
    // Keep the options' order so requests are stable.
    onChange(options.map((o) => o.value).filter((v) => next.includes(v)));
  };
  return (
    <fieldset
      className={['field', 'checkbox-group', error ? 'field--invalid' : ''].join(' ').trim()}
      aria-describedby={describedBy}
      disabled={disabled}
    >
      <legend>{legend}</legend>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className="checkbox-group__options">
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input
              type="checkbox"
              name={name}
              value={option.value}
              checked={values.includes(option.value)}
              onChange={(event) => toggle(option.value, event.target.checked)}
            />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
      {error ? (
        <p id={errorId} className="field__error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
