import { Link } from 'react-router';
import { PRODUCT_NAME, usePageTitle } from '../../hooks/usePageTitle';
import { CrisisResources } from './CrisisResources';

/** Crisis contacts for anyone, signed in or not. */
export default function CrisisPage() {
  usePageTitle('Help now');
  return (
    <div className="sign-in">
      <header className="sign-in__header">
        <p className="brand brand--large">{PRODUCT_NAME}</p>
      </header>
      <main id="main" className="sign-in__main">
        <h1>Help now</h1>
        <p>You do not need to sign in. If anyone is in immediate danger, call your local emergency number.</p>
        <CrisisResources urgent />
        <p>
          <Link to="/support">Ask a trained peer supporter to reach out</Link> (sign-in needed).
        </p>
      </main>
    </div>
  );
}
