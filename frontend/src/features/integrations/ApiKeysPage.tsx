import { useCallback, useState, type FormEvent } from 'react';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import { API_KEY_SCOPES, SCOPE_LABELS, type ApiKey, type ApiKeyCreated, type ApiKeyScope } from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { SecretReveal } from '../../components/SecretReveal';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { createApiKey, listApiKeys, listPendingApiKeys, revokeApiKey } from './apiKeysApi';
import { keyIsLive, keyNeedsSecondAdmin, keyStatusLabel } from './keyRules';
import { PendingApiKeys } from './PendingApiKeys';

const FIELDS = ['name', 'scopes'] as const;

export default function ApiKeysPage() {
  usePageTitle('API keys');
  const load = useCallback((cursor: string | null) => listApiKeys(cursor), []);
  const list = useKeysetList<ApiKey>(load);
  const pending = useKeysetList<ApiKey>(listPendingApiKeys);
  const { me } = useAuth();
  const idempotencyKey = useIdempotencyKey();

  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [confirmingId, setConfirmingId] = useState<string | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const onCreate = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    setStatus(null);
    try {
      const key = await createApiKey({ name: name.trim(), scopes }, idempotencyKey.current());
      setCreated(key);
      setName('');
      setScopes([]);
      if (key.status === 'pending') {
        setStatus(`API key ${key.name} waits for a second administrator: it does not work until another administrator confirms it.`);
      }
      list.reload();
      pending.reload();
    } catch (error) {
      setErrors(toFormErrors(error, { fields: FIELDS }));
    } finally {
      // A new key (or a corrected body) must not reuse this key; only a no-answer retry would.
      idempotencyKey.renew();
      setSubmitting(false);
    }
  };

  const onRevoke = async (key: ApiKey) => {
    setRevokeError(null);
    setStatus(null);
    try {
      await revokeApiKey(key.id);
      setConfirmingId(null);
      setStatus(`API key ${key.name} revoked.`);
      list.reload();
      pending.reload();
    } catch (error) {
      setRevokeError(
        error instanceof ApiError && error.status === 404
          ? 'This key no longer exists.'
          : toFormErrors(error).formError,
      );
    }
  };

  const onDecided = (message: string) => {
    setStatus(message);
    pending.reload();
    list.reload();
  };

  return (
    <>
      <h1>API keys</h1>
      <p className="lead">
        Keys let hospital systems and scripts call Haven with only the scopes you give them. A key’s secret is
        shown once, when it is created, to the administrator who creates it. A key that reads reports
        (reports:read or fhir:read) or manages people (scim, for the identity provider’s provisioning) works
        only once a second administrator confirms it.
      </p>
      <StatusMessage message={status} />

      {created ? (
        <>
          <SecretReveal
            title={`New key: ${created.name}`}
            label="API key secret"
            secret={created.secret}
            explanation={
              created.status === 'pending'
                ? "Copy this secret now and store it in the calling system's secret store. Haven keeps only a hash and will not show it again, to you or to anyone. It does not work until another administrator confirms the key; confirming does not change it."
                : "Copy this secret now and store it in the calling system's secret store. Haven keeps only a hash and will not show it again."
            }
          />
          <button type="button" className="button button--secondary" onClick={() => setCreated(null)}>
            Done: I have stored the secret
          </button>
        </>
      ) : (
        <section aria-labelledby="create-key-heading" className="panel">
          <h2 id="create-key-heading">Create a key</h2>
          <form className="form" onSubmit={(event) => void onCreate(event)} noValidate>
            <FormError message={errors.formError} />
            <TextField
              label="Name"
              name="name"
              required
              autoComplete="off"
              hint="Say which system uses it, e.g. “Incident system export”."
              value={name}
              onChange={(event) => setName(event.target.value)}
              error={errors.fieldErrors.name}
            />
            <CheckboxGroup
              legend="Scopes"
              name="scopes"
              options={API_KEY_SCOPES.map((s) => ({ value: s, label: SCOPE_LABELS[s] }))}
              values={scopes}
              onChange={(values) => setScopes(values as ApiKeyScope[])}
              error={errors.fieldErrors.scopes}
            />
            {keyNeedsSecondAdmin(scopes) ? (
              <p className="field__hint">
                Saving asks a second administrator to confirm this key: a key that reads reports works only once another
                administrator confirms it.
              </p>
            ) : null}
            <div className="form__actions">
              <button type="submit" className="button button--primary" disabled={submitting}>
                {submitting ? 'Creating…' : 'Create key'}
              </button>
            </div>
          </form>
        </section>
      )}

      <PendingApiKeys keys={pending} meId={me?.id} onDecided={onDecided} />

      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <FormError message={revokeError ?? list.error} />
        {list.loading && list.items.length === 0 ? <p role="status">Loading keys…</p> : null}
        {!list.loading && list.items.length === 0 && !list.error ? <p>No API keys yet.</p> : null}
        <ul className="card-list" aria-label="API keys">
          {list.items.map((key) => (
            <li key={key.id} className="card">
              <div className="card__main">
                <h3 className="card__title">{key.name}</h3>
                <p className="card__meta">
                  Prefix <span className="code">{key.prefix}</span>{' '}
                  <span
                    className={
                      key.revoked_at
                        ? 'badge badge--muted'
                        : key.status === 'active'
                          ? 'badge badge--ok'
                          : key.status === 'pending'
                            ? 'badge badge--status'
                            : 'badge badge--muted'
                    }
                  >
                    {keyStatusLabel(key)}
                  </span>
                </p>
                <ul className="tag-list" aria-label={`Scopes of ${key.name}`}>
                  {key.scopes.map((scope) => (
                    <li key={scope} className="tag code">
                      {scope}
                    </li>
                  ))}
                </ul>
                <p className="card__meta">
                  Created <DateTime value={key.created_at} />
                  {' · '}
                  {key.last_used_at ? (
                    <>
                      Last used <DateTime value={key.last_used_at} />
                    </>
                  ) : (
                    'Never used'
                  )}
                  {key.revoked_at ? (
                    <>
                      {' · '}Revoked <DateTime value={key.revoked_at} />
                    </>
                  ) : null}
                </p>
              </div>
              {!keyIsLive(key) ? null : (
                <div className="card__actions">
                  {confirmingId === key.id ? (
                    <>
                      <button type="button" className="button button--danger" onClick={() => void onRevoke(key)}>
                        Confirm revoke<span className="visually-hidden"> {key.name}</span>
                      </button>
                      <button type="button" className="button button--secondary" onClick={() => setConfirmingId(null)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button type="button" className="button button--secondary" onClick={() => setConfirmingId(key.id)}>
                      Revoke<span className="visually-hidden"> {key.name}</span>
                    </button>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
        <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
      </section>
    </>
  );
}
