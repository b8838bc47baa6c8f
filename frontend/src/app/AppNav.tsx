import { NavLink } from 'react-router';
import { useAuth } from '../features/auth/useAuth';
import { FEATURES } from './features';
import { navFor } from './nav';
import type { Feature } from './registry';

interface AppNavProps {
  id: string;
  open: boolean;
  onNavigate?: () => void;
  features?: readonly Feature[];
}

/** The sections the signed-in person's roles give them, from the feature registry. */
export function AppNav({ id, open, onNavigate, features = FEATURES }: AppNavProps) {
  const { me } = useAuth();
  const sections = navFor(me?.roles ?? [], features);
  return (
    <nav id={id} className={open ? 'app-nav app-nav--open' : 'app-nav'} aria-label="Main">
      {sections.map((section) => (
        <section key={section.id} className="app-nav__section" aria-labelledby={`${id}-${section.id}`}>
          <h2 id={`${id}-${section.id}`} className="app-nav__heading">
            {section.label}
          </h2>
          <ul>
            {section.items.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} className="app-nav__link" onClick={onNavigate}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
