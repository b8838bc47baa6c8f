import { useId, useState } from 'react';
import type { TeamMember } from './debriefsApi';

/** Pick people by name: a filter box over a list of checkboxes (the chosen stay on top). */
export function PeoplePicker({
  legend,
  people,
  chosen,
  onChange,
  departmentName,
  error,
  exclude = [],
}: {
  legend: string;
  people: TeamMember[];
  chosen: string[];
  onChange(ids: string[]): void;
  departmentName(id: string | null | undefined): string;
  error?: string | undefined;
  exclude?: readonly string[];
}) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = people
    .filter((p) => !exclude.includes(p.id))
    .filter((p) => chosen.includes(p.id) || !needle || p.display_name.toLowerCase().includes(needle))
    .sort((a, b) => Number(chosen.includes(b.id)) - Number(chosen.includes(a.id)))
    .slice(0, 60);
  return (
    <fieldset className={['field', 'people-picker', error ? 'field--invalid' : ''].join(' ').trim()}>
      <legend>{legend}</legend>
      <label htmlFor={`${id}-filter`} className="field__hint">
        Find people by name
      </label>
      <input
        id={`${id}-filter`}
        type="search"
        value={filter}
        autoComplete="off"
        onChange={(event) => setFilter(event.target.value)}
      />
      <p className="field__hint" aria-live="polite">
        {chosen.length} chosen
      </p>
      <div className="checkbox-group__options">
        {shown.map((person) => (
          <label key={person.id} className="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(person.id)}
              onChange={(event) =>
                onChange(event.target.checked ? [...chosen, person.id] : chosen.filter((c) => c !== person.id))
              }
            />
            <span>
              {person.display_name} <span className="field__hint">({departmentName(person.department_id)})</span>
            </span>
          </label>
        ))}
      </div>
      {error ? <p className="field__error">{error}</p> : null}
    </fieldset>
  );
}
