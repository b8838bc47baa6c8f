import { useCallback, useState, type FormEvent } from 'react';
import { toFormErrors } from '../../api/problem';
import type { Department, PersonRef, StaffCandidate } from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { pause, useLoad } from '../../hooks/useLoad';
import { getInvolvedStaff, listHighRiskScenarios, searchStaff, setInvolvedStaff } from './reportsApi';

interface Props {
  reportId: string;
  departmentsById: ReadonlyMap<string, Department>;
}

const SEARCH_DELAY_MS = 300;
const loadScenarios = () => listHighRiskScenarios();

/**
 * The staff involved and any high-risk scenario. The peer-support side uses them to offer
 * support to those people (it sees no event details); the report side never learns whether
 * support was offered or taken.
 */
export function InvolvedStaffPanel({ reportId, departmentsById }: Props) {
  const [people, setPeople] = useState<PersonRef[]>([]);
  const [flags, setFlags] = useState<string[]>([]);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [flash, setFlash] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const involved = useLoad(
    useCallback(() => getInvolvedStaff(reportId), [reportId]),
    (found) => {
      setPeople(found.staff);
      setFlags(found.high_risk_scenarios);
    },
  );
  const saved = involved.data;
  const scenarios = useLoad(loadScenarios).data ?? [];
  // Each keystroke starts the wait again; the search is sent once the person pauses.
  const loadResults = useCallback(
    async (signal: AbortSignal) => {
      await pause(SEARCH_DELAY_MS, signal);
      return searchStaff(reportId, query.trim());
    },
    [reportId, query],
  );
  const search = useLoad(query.trim().length >= 2 ? loadResults : null);
  const results = search.data;

  const add = (person: StaffCandidate) => {
    setPeople((prev) => (prev.some((p) => p.id === person.id) ? prev : [...prev, { id: person.id, display_name: person.display_name }]));
    setFlash(`${person.display_name} added. Save to keep the change.`);
  };
  const remove = (person: PersonRef) => {
    setPeople((prev) => prev.filter((p) => p.id !== person.id));
    setFlash(`${person.display_name} removed. Save to keep the change.`);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      const result = await setInvolvedStaff(reportId, { staff_ids: people.map((p) => p.id), high_risk_scenarios: flags });
      involved.set(result);
      setPeople(result.staff);
      setFlags(result.high_risk_scenarios);
      setFlash('Involved staff and scenarios saved.');
    } catch (err) {
      const formErrors = toFormErrors(err, { fields: ['staff_ids', 'high_risk_scenarios'] });
      setError(formErrors.formError);
      setFieldErrors(formErrors.fieldErrors);
    } finally {
      setBusy(false);
    }
  };

  const department = (id: string | null | undefined) => (id ? departmentsById.get(id)?.name : null) ?? 'no department';

  return (
    <section className="panel" aria-labelledby="involved-title">
      <h2 id="involved-title">Staff involved and high-risk scenarios</h2>
      <p className="lead">
        Name the staff involved after serious harm or a high-risk scenario. Peer support can then offer each of them
        support; the supporters see no details of the event, and this report never learns whether support was taken.
      </p>
      {saved?.outreach_eligible ? (
        <p className="alert alert--info">This event qualifies for proactive support for the staff named here.</p>
      ) : null}
      <StatusMessage message={flash} />
      <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <FormError message={error ?? involved.error ?? search.error} />
        <div className="field">
          <h3 id="involved-people-title">Named staff</h3>
          {people.length === 0 ? <p className="field__hint">Nobody named yet.</p> : null}
          <ul className="people-list" aria-labelledby="involved-people-title">
            {people.map((person) => (
              <li key={person.id}>
                <span>{person.display_name}</span>
                <button type="button" className="button button--secondary" onClick={() => remove(person)}>
                  Remove<span className="visually-hidden"> {person.display_name}</span>
                </button>
              </li>
            ))}
          </ul>
          {fieldErrors.staff_ids ? <p className="field__error">{fieldErrors.staff_ids}</p> : null}
        </div>
        <TextField
          label="Find a person by name"
          type="search"
          hint="Type at least two letters of their name."
          value={query}
          autoComplete="off"
          maxLength={80}
          onChange={(event) => setQuery(event.target.value)}
        />
        {results !== null ? (
          results.length === 0 ? (
            <p role="status">Nobody active matches “{query.trim()}”.</p>
          ) : (
            <ul className="people-list" aria-label="People found">
              {results.map((person) => {
                const already = people.some((p) => p.id === person.id);
                return (
                  <li key={person.id}>
                    <span>
                      {person.display_name} <span className="card__meta">({department(person.department_id)})</span>
                    </span>
                    <button type="button" className="button button--secondary" disabled={already} onClick={() => add(person)}>
                      {already ? 'Added' : 'Add'}
                      <span className="visually-hidden"> {person.display_name}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )
        ) : null}
        {scenarios.length > 0 ? (
          <CheckboxGroup
            legend="High-risk scenarios"
            name="high_risk_scenarios"
            options={scenarios.map((s) => ({ value: s.code, label: s.label }))}
            values={flags}
            onChange={setFlags}
            error={fieldErrors.high_risk_scenarios}
          />
        ) : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy || saved === null}>
            {busy ? 'Saving…' : 'Save involved staff'}
          </button>
        </div>
      </form>
    </section>
  );
}
