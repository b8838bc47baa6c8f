import { useCallback } from 'react';
import { URGENCY_LABELS } from '../../api/types';
import { FormError } from '../../components/FormError';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { getMetrics } from './supportApi';
import { durationText } from './supportLogic';
import './support.css';

export default function MetricsPage() {
  usePageTitle('Program figures');
  const metrics = useLoad(useCallback(() => getMetrics(), []));
  const m = metrics.data;
  return (
    <>
      <h1>Program figures</h1>
      <FormError message={metrics.error} />
      {!m ? (
        metrics.loading ? <p role="status">Loading figures…</p> : null
      ) : (
        <>
          <p className="lead">
            Since {m.since}: {m.open_requests} open, {m.overdue_requests} overdue now.
          </p>
          <div className="table-wrap" role="region" aria-label="Time to first contact" tabIndex={0}>
            <table>
              <caption>Time to first contact against target</caption>
              <thead>
                <tr>
                  <th scope="col">Urgency</th>
                  <th scope="col">Target</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Median to first contact</th>
                  <th scope="col">Within target</th>
                </tr>
              </thead>
              <tbody>
                {m.by_urgency.map((row) => (
                  <tr key={row.urgency}>
                    <th scope="row">{URGENCY_LABELS[row.urgency].split(':')[0]}</th>
                    <td>{durationText(row.target_minutes)}</td>
                    <td>{row.requests}</td>
                    <td>
                      {row.median_minutes_to_first_contact === null || row.median_minutes_to_first_contact === undefined
                        ? '–'
                        : durationText(row.median_minutes_to_first_contact)}
                    </td>
                    <td>
                      {row.within_target} of {row.first_contacts}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-wrap" role="region" aria-label="Requests by tier" tabIndex={0}>
            <table>
              <caption>Requests by tier</caption>
              <thead>
                <tr>
                  <th scope="col">Tier</th>
                  <th scope="col">Requests</th>
                </tr>
              </thead>
              <tbody>
                {m.by_tier.map((row) => (
                  <tr key={row.tier}>
                    <th scope="row">{row.tier}</th>
                    <td>{row.requests}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Feedback</h2>
          {m.feedback.suppressed ? (
            <p>Shown once at least {m.feedback.min_answers} people have answered, so no answer can be traced.</p>
          ) : (
            <>
              <p>
                Average helpfulness {m.feedback.average_helpful} of 5, from {m.feedback.answers} answers.
              </p>
              {m.feedback.comments && m.feedback.comments.length > 0 ? (
                <ul className="plain-list" aria-label="Comments">
                  {m.feedback.comments.map((comment, i) => (
                    <li key={i}>“{comment}”</li>
                  ))}
                </ul>
              ) : null}
            </>
          )}
        </>
      )}
    </>
  );
}
