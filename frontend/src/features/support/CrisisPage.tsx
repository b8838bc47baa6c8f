import { Link } from 'react-router';
import { usePageTitle } from '../../hooks/usePageTitle';
import { CrisisResources } from './CrisisResources';

/** Crisis contacts for anyone, signed in or not (inside the public layout). */
export default function CrisisPage() {
  usePageTitle('Help now');
  return (
    <section className="crisis-page">
      <h1>Help now</h1>
      <p>You do not need to sign in. If anyone is in immediate danger, call your local emergency number.</p>
      <CrisisResources urgent />
      <p>
        <Link to="/support">Ask a trained peer supporter to reach out</Link> (sign-in needed).
      </p>
    </section>
  );
}
