import { useState } from 'react';
import { toFormErrors } from '../../api/problem';
import type { ApiKey } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import type { KeysetList } from '../../hooks/useKeysetList';
import { decideApiKey, type ApiKeyAction } from './apiKeysApi';
import { keyActionsFor, scopeList } from './keyRules';

interface PendingApiKeysProps {
  keys: KeysetList<ApiKey>;
  meId: string | undefined;
  /** Called after a decision, with what to announce. */
  onDecided(message: string): void;
}

const DONE: Record<ApiKeyAction, string> = {
  confirm: 'Confirmed',
  reject: 'Rejected',
  cancel: 'Withdrawn',
};

/**
 * API keys that read content, waiting for a second administrator (README, "Separation of
 * roles"): confirm or reject for the others, cancel for the creator, who alone holds the secret.
 */
export function PendingApiKeys({ keys, meId, onDecided }: PendingApiKeysProps) {
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (keys.items.length === 0 && !keys.error) return null;

  const decide = async (key: ApiKey, action: ApiKeyAction) => {
    setBusyId(key.id);
    setError(null);
    try {
      await decideApiKey(key, action);
      onDecided(`${DONE[action]}: API key ${key.name} (${scopeList(key.scopes)}).`);
    } catch (err) {
      setError(toFormErrors(err).formError);
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section aria-labelledby="pending-keys-heading">
      <h2 id="pending-keys-heading">Waiting for a second administrator</h2>
      <p className="field__hint">
        A key that reads reports (reports:read or fhir:read) works only when another administrator confirms it.
        Only the administrator who created it has its secret.
      </p>
      <FormError message={error ?? keys.error}>
        <button type="button" className="button button--secondary" onClick={() => keys.reload()}>
          Reload
        </button>
      </FormError>
      <ul className="card-list" aria-label="API keys waiting for confirmation">
        {keys.items.map((key) => {
          const actions = keyActionsFor(key, meId);
          const what = `API key ${key.name}`;
          return (
            <li key={key.id} className="card">
              <div className="card__main">
                <h3 className="card__title">{what}</h3>
                <ul className="tag-list" aria-label={`Scopes of ${key.name} waiting for confirmation`}>
                  {key.scopes.map((scope) => (
                    <li key={scope} className="tag code">
                      {scope}
                    </li>
                  ))}
                </ul>
                <p className="card__meta">
                  Created by {key.created_by_name || 'an administrator no longer listed'}{' '}
                  <DateTime value={key.created_at} />
                  {key.expires_at ? (
                    <>
                      ; expires <DateTime value={key.expires_at} />
                    </>
                  ) : null}
                </p>
                {actions.note ? <p className="card__meta">{actions.note}</p> : null}
              </div>
              <div className="card__actions">
                {actions.confirm ? (
                  <button
                    type="button"
                    className="button button--primary"
                    disabled={busyId === key.id}
                    onClick={() => void decide(key, 'confirm')}
                  >
                    Confirm<span className="visually-hidden"> {what}</span>
                  </button>
                ) : null}
                {actions.reject ? (
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={busyId === key.id}
                    onClick={() => void decide(key, 'reject')}
                  >
                    Reject<span className="visually-hidden"> {what}</span>
                  </button>
                ) : null}
                {actions.cancel ? (
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={busyId === key.id}
                    onClick={() => void decide(key, 'cancel')}
                  >
                    Cancel<span className="visually-hidden"> {what}</span>
                  </button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <LoadMore hasMore={keys.hasMore} loading={keys.loading} onLoadMore={keys.loadMore} />
    </section>
  );
}
