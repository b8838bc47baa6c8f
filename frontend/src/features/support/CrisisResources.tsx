import { useCallback } from 'react';
import { RESOURCE_KIND_LABELS, type SupportResource } from '../../api/types';
import { useLoad } from '../../hooks/useLoad';
import { getResources } from './supportApi';
import { telHref } from './supportLogic';
import './support.css';

interface CrisisResourcesProps {
  /** Shown as a strong alert (the urgent path) rather than a calm side panel. */
  urgent?: boolean;
  /** Resources already at hand (e.g. from a create response); otherwise they are fetched. */
  resources?: readonly SupportResource[];
}

/** The organisation's crisis line and help contacts: on every support page, no sign-in needed. */
export function CrisisResources({ urgent = false, resources }: CrisisResourcesProps) {
  const load = useCallback(() => getResources(), []);
  const loaded = useLoad(load);
  const items = resources ?? loaded.data?.items ?? [];
  const headingId = urgent ? 'crisis-urgent-heading' : 'crisis-heading';
  return (
    <aside className={urgent ? 'crisis crisis--urgent' : 'crisis'} aria-labelledby={headingId}>
      <h2 id={headingId} className="crisis__heading">
        {urgent ? 'If you or someone else is in danger, call now' : 'Need help right now?'}
      </h2>
      {items.length === 0 && !loaded.loading ? (
        <p>Call your local emergency number if anyone is in danger.</p>
      ) : null}
      <ul className="crisis__list">
        {items.map((item) => {
          const href = item.phone ? telHref(item.phone) : null;
          return (
            <li key={`${item.kind}-${item.name}`}>
              <span className="crisis__name">{item.name}</span>{' '}
              <span className="visually-hidden">({RESOURCE_KIND_LABELS[item.kind]})</span>
              {item.phone ? (
                href ? (
                  <a className="crisis__phone" href={href}>
                    {item.phone}
                  </a>
                ) : (
                  <span className="crisis__phone">{item.phone}</span>
                )
              ) : null}
              {item.hours ? <span className="crisis__hours"> · {item.hours}</span> : null}
              {item.url ? (
                <>
                  {' '}
                  <a href={item.url} rel="noreferrer noopener" target="_blank">
                    Website<span className="visually-hidden"> of {item.name}</span>
                  </a>
                </>
              ) : null}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
