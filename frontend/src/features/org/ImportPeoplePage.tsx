import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { toFormErrors } from '../../api/problem';
import type { PeopleImport, PeopleImportRow } from '../../api/types';
import { FormError } from '../../components/FormError';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { continuePeopleImport, getPeopleImport, listImportRows, uploadPeopleFile } from './peopleImportApi';

const COLUMNS: readonly [string, string][] = [
  ['email', 'required; the person’s key when there is no external id'],
  ['display_name', 'required'],
  ['external_id', 'the directory’s id for the person: their key when given'],
  ['department_code', 'a Haven department’s code'],
  ['profession', 'nurse, physician, pharmacist, allied_health, support_staff or other'],
  ['roles', 'separated by ; — the person’s whole set of roles'],
  ['active', 'true or false (false ends their sessions)'],
];

/** Where an import that is opened right after its upload starts working at once. */
interface StartState {
  start?: boolean;
}

function UploadForm() {
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null) {
      setFieldError('Choose a CSV file.');
      return;
    }
    setBusy(true);
    setError(null);
    setFieldError(undefined);
    try {
      const job = await uploadPeopleFile(file);
      navigate(`/admin/users/import/${job.id}`, { replace: true, state: { start: true } satisfies StartState });
    } catch (err) {
      const errors = toFormErrors(err);
      setError(errors.formError);
      setFieldError(errors.fieldErrors.file);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <FormError message={error} />
      <p>
        A CSV file (UTF-8; commas or semicolons) with a header row naming these columns, in any order. Running
        the same file again updates people instead of failing: a row finds its person by external id, else by
        email. A row that is wrong is reported with its row number and the rest are imported.
      </p>
      <ul aria-label="Columns">
        {COLUMNS.map(([name, meaning]) => (
          <li key={name}>
            <span className="code">{name}</span>: {meaning}
          </li>
        ))}
      </ul>
      <p>Privileged roles in the file wait for a second administrator; you propose them, so another confirms.</p>
      <div className="field">
        <label htmlFor="people-file">CSV file</label>
        <input
          id="people-file"
          name="file"
          type="file"
          accept=".csv,text/csv"
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? 'people-file-error' : undefined}
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
        {fieldError ? (
          <p id="people-file-error" className="field__error">
            {fieldError}
          </p>
        ) : null}
      </div>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Uploading…' : 'Import people'}
      </button>
    </form>
  );
}

function RefusedRows({ job }: { job: PeopleImport }) {
  const load = useCallback((_: AbortSignal) => listImportRows(job.id, 'failed', null), [job.id]);
  const rows = useLoad(job.failed_count > 0 ? load : null);
  if (job.failed_count === 0) return null;
  const items: PeopleImportRow[] = rows.data?.items ?? [];
  return (
    <section aria-labelledby="refused-rows">
      <h2 id="refused-rows">Rows not imported</h2>
      <FormError message={rows.error} />
      {rows.loading ? <p role="status">Loading the refused rows…</p> : null}
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Refused rows, by row number in the file</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Email</th>
              <th scope="col">Column</th>
              <th scope="col">What is wrong</th>
            </tr>
          </thead>
          <tbody>
            {items.flatMap((row) =>
              row.messages.map((message, index) => (
                <tr key={`${row.row_number}-${index}`}>
                  <td>{row.row_number}</td>
                  <td>{row.email ?? ''}</td>
                  <td className="code">{message.field}</td>
                  <td>{message.message}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      {rows.data?.next_cursor ? <p>More rows were refused than shown here; the command line lists them all.</p> : null}
      <p>Correct these rows in your file and import it again: the people already imported are updated, not doubled.</p>
    </section>
  );
}

function ImportProgress({ importId }: { importId: string }) {
  const { me } = useAuth();
  const location = useLocation();
  const load = useCallback((_: AbortSignal) => getPeopleImport(importId), [importId]);
  const loaded = useLoad(load);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stopAsked = useRef(false);
  const autoStarted = useRef(false);
  const job = loaded.data;
  const { set } = loaded;

  const run = useCallback(
    async (from: PeopleImport) => {
      setRunning(true);
      setError(null);
      stopAsked.current = false;
      let current = from;
      try {
        while (current.status === 'running' && !stopAsked.current) {
          current = await continuePeopleImport(current.id);
          set(current);
        }
      } catch (err) {
        setError(toFormErrors(err).formError);
      } finally {
        setRunning(false);
      }
    },
    [set],
  );

  const mine = job !== null && me !== null && job.created_by_id === me.id;
  useEffect(() => {
    const start = (location.state as StartState | null)?.start === true;
    if (job && start && mine && job.status === 'running' && !autoStarted.current) {
      autoStarted.current = true;
      void run(job);
    }
  }, [job, mine, location.state, run]);
  useEffect(
    () => () => {
      stopAsked.current = true; // leaving the page pauses the import after its batch
    },
    [],
  );

  if (loaded.error) return <FormError message={loaded.error} />;
  if (!job) return <p role="status">Loading the import…</p>;
  const done = job.status === 'done';
  return (
    <>
      <h2>{job.file_name}</h2>
      <FormError message={error} />
      <div className="field">
        <label htmlFor="import-progress">Progress</label>
        <progress id="import-progress" max={job.total_rows} value={job.processed_rows}>
          {job.processed_rows} of {job.total_rows}
        </progress>
      </div>
      <p role="status">
        {done
          ? `Done: ${job.total_rows} rows read.`
          : `${job.processed_rows} of ${job.total_rows} rows done${running ? '…' : '.'}`}
      </p>
      <dl className="figures" aria-label="Outcome">
        <dt>Created</dt>
        <dd>{job.created_count}</dd>
        <dt>Updated</dt>
        <dd>{job.updated_count}</dd>
        <dt>Unchanged</dt>
        <dd>{job.unchanged_count}</dd>
        <dt>Not imported</dt>
        <dd>{job.failed_count}</dd>
      </dl>
      {!done && !running && mine ? (
        <button type="button" className="button button--primary" onClick={() => void run(job)}>
          Continue the import
        </button>
      ) : null}
      {!done && running ? (
        <button type="button" className="button button--secondary" onClick={() => (stopAsked.current = true)}>
          Pause after this batch
        </button>
      ) : null}
      {!done && !mine ? <p>Only the administrator who uploaded this file continues its import.</p> : null}
      {done ? (
        <p>
          Privileged roles in the file wait on the <Link to="/admin/users">Users</Link> page for a second
          administrator.
        </p>
      ) : null}
      {done ? <RefusedRows job={job} /> : null}
    </>
  );
}

export default function ImportPeoplePage() {
  usePageTitle('Import people');
  const { importId } = useParams();
  return (
    <>
      <div className="page-header">
        <h1>Import people</h1>
        {importId ? (
          <Link to="/admin/users/import" className="button button--secondary">
            Import another file
          </Link>
        ) : null}
      </div>
      {importId ? <ImportProgress importId={importId} /> : <UploadForm />}
    </>
  );
}
