import { useId } from 'react';
import type { Option } from './SelectField';

interface RadioGroupProps {
  legend: string;
  name: string;
  options: readonly Option[];
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  hint?: string | undefined;
}

/** A fieldset of radio buttons with one error for the group. */
export function RadioGroup({ legend, name, options, value, onChange, error, hint }: RadioGroupProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset className={['field', 'radio-group', error ? 'field--invalid' : ''].join(' ').trim()} aria-describedby={describedBy}>
      <legend>{legend}</legend>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className="radio-group__options">
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
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
