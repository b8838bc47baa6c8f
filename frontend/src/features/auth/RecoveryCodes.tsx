import { useId, useState } from 'react';

/**
 * Recovery codes, shown once: each works once in place of a code when the authenticator is
 * not at hand. The person copies them somewhere safe before going on.
 */
export function RecoveryCodes({ codes, onDone, doneLabel }: { codes: string[]; onDone(): void; doneLabel: string }) {
  const id = useId();
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  };
  return (
    <section className="secret" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Your recovery codes</h2>
      <p>
        Keep these somewhere safe (a password manager, or printed and locked away). If your phone is lost, each
        code signs you in once instead of a code from the app. They are shown only now.
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="secret__row">
        <button type="button" className="button button--secondary" onClick={() => void copy()}>
          Copy the codes
        </button>
        <button type="button" className="button button--primary" onClick={onDone}>
          {doneLabel}
        </button>
      </div>
      <p role="status" className="secret__copy-state">
        {copyState === 'copied' ? 'Copied to the clipboard.' : null}
        {copyState === 'failed' ? 'Could not copy: select the codes and copy them by hand.' : null}
      </p>
    </section>
  );
}
