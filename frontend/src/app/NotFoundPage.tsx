import { Link } from 'react-router';
import { usePageTitle } from '../hooks/usePageTitle';
import { HOME_PATH } from './paths';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to={HOME_PATH}>Go to your profile</Link>.
      </p>
    </>
  );
}
