import { useState } from 'react';
import { toFormErrors } from '../../api/problem';
import type { RoleGrant } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import type { KeysetList } from '../../hooks/useKeysetList';
import { decideRoleGrant, type RoleGrantAction } from './orgApi';
import { grantActionsFor, roleList } from './roleRules';

interface PendingGrantsProps {
  grants: KeysetList<RoleGrant>;
  meId: string | undefined;
  departmentName(departmentId: string): string;
  /** Called after a decision, with what to announce. */
  onDecided(message: string): void;
}

const DONE: Record<RoleGrantAction, string> = {
  confirm: 'Confirmed',
  reject: 'Rejected',
  cancel: 'Withdrawn',
};

/**
 * Privileged roles one administrator proposed, waiting for another (DESIGN.md,
 * "Separation of roles"): confirm or reject for the others, cancel for the proposer.
 */
export function PendingGrants({ grants, meId, departmentName, onDecided }: PendingGrantsProps) {
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (grants.items.length === 0 && !grants.error) return null;

  const decide = async (grant: RoleGrant, action: RoleGrantAction) => {
    setBusyId(grant.id);
    setError(null);
    try {
      await decideRoleGrant(grant, action);
      onDecided(`${DONE[action]}: ${roleList(grant.roles)} for ${grant.user_display_name}.`);
    } catch (err) {
      setError(toFormErrors(err).formError);
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section aria-labelledby="pending-grants-heading">
      <h2 id="pending-grants-heading">Waiting for a second administrator</h2>
      <p className="field__hint">
        Administrator, auditor, safety officer, support coordinator and department lead take effect only when
        another administrator confirms them.
      </p>
      <FormError message={error ?? grants.error}>
        <button type="button" className="button button--secondary" onClick={() => grants.reload()}>
          Reload
        </button>
      </FormError>
      <ul className="card-list" aria-label="Role grants waiting for confirmation">
        {grants.items.map((grant) => {
          const actions = grantActionsFor(grant, meId);
          const what = `${roleList(grant.roles)} for ${grant.user_display_name}`;
          return (
            <li key={grant.id} className="card">
              <div className="card__main">
                <h3 className="card__title">{what}</h3>
                {grant.department_id ? (
                  <p className="card__meta">Leading {departmentName(grant.department_id)}</p>
                ) : null}
                <p className="card__meta">
                  Proposed by {grant.proposed_by_name} <DateTime value={grant.created_at} />; expires{' '}
                  <DateTime value={grant.expires_at} />
                </p>
                {actions.note ? <p className="card__meta">{actions.note}</p> : null}
              </div>
              <div className="card__actions">
                {actions.confirm ? (
                  <button
                    type="button"
                    className="button button--primary"
                    disabled={busyId === grant.id}
                    onClick={() => void decide(grant, 'confirm')}
                  >
                    Confirm<span className="visually-hidden"> {what}</span>
                  </button>
                ) : null}
                {actions.reject ? (
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={busyId === grant.id}
                    onClick={() => void decide(grant, 'reject')}
                  >
                    Reject<span className="visually-hidden"> {what}</span>
                  </button>
                ) : null}
                {actions.cancel ? (
                  <button
                    type="button"
                    className="button button--secondary"
                    disabled={busyId === grant.id}
                    onClick={() => void decide(grant, 'cancel')}
                  >
                    Cancel<span className="visually-hidden"> {what}</span>
                  </button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <LoadMore hasMore={grants.hasMore} loading={grants.loading} onLoadMore={grants.loadMore} />
    </section>
  );
}
