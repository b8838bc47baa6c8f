import { useId, useState } from 'react';

interface SecretRevealProps {
  title: string;
  label: string;
  secret: string;
  explanation: string;
}

/** Shows a secret the server returns exactly once (an API key, a generated password), with a copy button. */
export function SecretReveal({ title, label, secret, explanation }: SecretRevealProps) {
  const id = useId();
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  };
  return (
    <section className="secret" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p>{explanation}</p>
      <label htmlFor={`${id}-value`}>{label}</label>
      <div className="secret__row">
        <input
          id={`${id}-value`}
          className="secret__value"
          readOnly
          value={secret}
          onFocus={(event) => event.currentTarget.select()}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="button" className="button button--primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="secret__copy-state">
        {copyState === 'copied' ? 'Copied to the clipboard.' : null}
        {copyState === 'failed' ? 'Could not copy: select the text and copy it by hand.' : null}
      </p>
    </section>
  );
}
