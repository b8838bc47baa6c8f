import { useCallback } from 'react';
import type { AuditEvent, AuditVerification } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { useKeysetList } from '../../hooks/useKeysetList';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { listAuditEvents, verifyAuditLog } from './auditApi';

/** What the chain and its anchors say, in words an auditor can act on. */
function VerificationResult({ result }: { result: AuditVerification }) {
  const anchorsText = result.anchors_ok
    ? result.last_anchor_seq === null || result.last_anchor_seq === undefined
      ? 'No anchor has been written yet.'
      : `${result.anchors_checked} checked; every one is signed and agrees with the chain.`
    : `Do not agree with the chain: ${result.anchor_reason ?? 'see the reason above'}`;
  return (
    <>
      {result.ok ? (
        <div className="alert alert--success" role="status">
          <p>
            The audit log is intact: {result.checked} rows checked with the audit key, and the chain agrees with
            every anchor written outside the database.
          </p>
        </div>
      ) : (
        <div className="alert alert--error" role="alert">
          <p>
            <strong>The audit log fails verification.</strong> {result.reason}
          </p>
          {result.first_broken_seq !== null && result.first_broken_seq !== undefined ? (
            <p>Rows from {result.first_broken_seq} on cannot be trusted as recorded.</p>
          ) : null}
        </div>
      )}
      <dl className="details" aria-label="Verification details">
        <dt>Chain</dt>
        <dd>
          {result.chain_ok ? (
            <span className="badge badge--ok">Intact</span>
          ) : (
            <span className="badge badge--muted">Broken</span>
          )}{' '}
          {result.checked} rows verified with the audit key
        </dd>
        <dt>Anchors</dt>
        <dd>
          {result.anchors_ok ? (
            <span className="badge badge--ok">Agree</span>
          ) : (
            <span className="badge badge--muted">Broken</span>
          )}{' '}
          {anchorsText}
        </dd>
        <dt>Last anchor</dt>
        <dd>
          {result.last_anchor_seq !== null && result.last_anchor_seq !== undefined && result.last_anchor_at ? (
            <>
              Row {result.last_anchor_seq}, written <DateTime value={result.last_anchor_at} />
            </>
          ) : (
            'None yet'
          )}
        </dd>
        <dt>Rows since the last anchor</dt>
        <dd>
          {result.unanchored_rows}
          {result.unanchored_rows > 0 ? ' (not yet protected by an anchor: the next one covers them)' : null}
        </dd>
      </dl>
    </>
  );
}

function actor(event: AuditEvent): string {
  if (event.actor_id) return `${event.actor_type} ${event.actor_id}`;
  return event.actor_type;
}

export default function AuditPage() {
  usePageTitle('Audit log');
  const verified = useLoad(verifyAuditLog);
  const verification = verified.data;
  const verifying = verified.loading;
  const verifyError = verified.error;

  const load = useCallback((cursor: string | null) => listAuditEvents(cursor), []);
  const list = useKeysetList<AuditEvent>(load);

  return (
    <>
      <h1>Audit log</h1>
      <p className="lead">
        Every read of an identified confidential record and every change is recorded here. Each row is linked to the
        one before it under a key kept outside the database, and the chain’s head is written regularly as a signed
        anchor outside it, so rows edited, forged, removed from the end or wiped are found.
      </p>

      <section aria-labelledby="verify-heading" className="panel">
        <h2 id="verify-heading">Verification</h2>
        <FormError message={verifyError} />
        {verifying ? <p role="status">Verifying the chain and its anchors…</p> : null}
        {verification && !verifying ? <VerificationResult result={verification} /> : null}
        <div className="form__actions">
          <button
            type="button"
            className="button button--secondary"
            onClick={verified.reload}
            disabled={verifying}
          >
            Verify again
          </button>
        </div>
      </section>

      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <FormError message={list.error} />
        {list.loading && list.items.length === 0 ? <p role="status">Loading events…</p> : null}
        {!list.loading && list.items.length === 0 && !list.error ? <p>No events yet.</p> : null}
        {list.items.length > 0 ? (
          <div className="table-scroll" role="region" aria-label="Events: table" tabIndex={0}>
            <table className="data-table">
              <caption>Newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Object</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((event) => (
                  <tr key={event.id}>
                    <th scope="row">{event.seq}</th>
                    <td>
                      <DateTime value={event.occurred_at} />
                    </td>
                    <td className="code">{actor(event)}</td>
                    <td className="code">{event.action}</td>
                    <td className="code">
                      {event.object_type}
                      {event.object_id ? ` ${event.object_id}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
      </section>
    </>
  );
}
