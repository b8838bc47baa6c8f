import type { SignInMethods } from '../../api/types';
import { ssoStartHref } from './signInMethods';

/**
 * "Sign in with <organisation>": a link, since the server sends the browser on to the identity
 * provider (and back to `returnTo` once signed in). Shown when single sign-on is configured.
 */
export function SsoSignIn({ methods, returnTo }: { methods: SignInMethods; returnTo: string }) {
  if (methods.sso === null) return null;
  return (
    <div className="sign-in__sso">
      <a className="button button--primary button--block" href={ssoStartHref(methods.sso.start_url, returnTo)}>
        Sign in with {methods.sso.name}
      </a>
      {methods.password ? (
        <p className="sign-in__or">
          or with your Haven password
        </p>
      ) : null}
    </div>
  );
}
