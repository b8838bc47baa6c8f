import { useState } from 'react';
import { Link } from 'react-router';
import { toFormErrors } from '../../api/problem';
import type { Hotspot } from '../../api/types';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { alertSupporters } from './insightsApi';
import './insights.css';

interface HotspotListProps {
  items: Hotspot[];
  canAlert: boolean;
  /** May schedule an open forum (a debrief of kind open_forum) for the department. */
  canScheduleForum: boolean;
  onSelect(departmentId: string): void;
}

/** Departments with a current signal of strain, worst first, with the reasons in words. */
export function HotspotList({ items, canAlert, canScheduleForum, onSelect }: HotspotListProps) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const alert = async (hotspot: Hotspot) => {
    setBusy(hotspot.department_id);
    setMessage(null);
    setError(null);
    try {
      const notified = await alertSupporters(hotspot.department_id);
      setMessage(
        notified === 0
          ? 'There are no active peer supporters to alert.'
          : `${notified} peer ${notified === 1 ? 'supporter was' : 'supporters were'} asked to be available for ${hotspot.department_name}.`,
      );
    } catch (err) {
      setError(toFormErrors(err).formError);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <StatusMessage message={message} />
      <FormError message={error} />
      {items.length === 0 ? (
        <p>No department has a current signal of strain.</p>
      ) : (
        <ol className="card-list hotspots" aria-label="Hotspots, worst first">
          {items.map((hotspot) => (
            <li key={hotspot.department_id} className="card hotspot">
              <div className="card__main">
                <h3 className="card__title">{hotspot.department_name}</h3>
                <ul className="hotspot__reasons">
                  {hotspot.reasons.map((reason, i) => (
                    <li key={i}>{reason.description}</li>
                  ))}
                </ul>
              </div>
              <div className="card__actions">
                <button
                  type="button"
                  className="button button--secondary"
                  onClick={() => onSelect(hotspot.department_id)}
                >
                  See charts<span className="visually-hidden"> for {hotspot.department_name}</span>
                </button>
                {canScheduleForum ? (
                  <Link
                    className="button button--secondary"
                    to={`/debriefs/new?kind=open_forum&department_id=${encodeURIComponent(hotspot.department_id)}`}
                  >
                    Schedule an open forum<span className="visually-hidden"> for {hotspot.department_name}</span>
                  </Link>
                ) : null}
                {canAlert ? (
                  <button
                    type="button"
                    className="button button--primary"
                    disabled={busy === hotspot.department_id}
                    onClick={() => void alert(hotspot)}
                  >
                    Alert peer supporters<span className="visually-hidden"> for {hotspot.department_name}</span>
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
