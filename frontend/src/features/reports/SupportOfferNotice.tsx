import { Link } from 'react-router';
import type { SupportOffer } from '../../api/types';

/** After a serious event the server offers peer support; the report side never learns the answer. */
export function SupportOfferNotice({ support }: { support: SupportOffer }) {
  if (!support.offered) return null;
  return (
    <section className="alert alert--info support-offer" aria-labelledby="support-offer-title">
      <h2 id="support-offer-title">You do not have to carry this alone</h2>
      <p>
        {support.message ??
          'Events like this can weigh on anyone involved. A trained peer supporter can talk with you, confidentially.'}
      </p>
      <p>
        <Link to="/support" className="button button--primary">
          Get support
        </Link>
      </p>
    </section>
  );
}
