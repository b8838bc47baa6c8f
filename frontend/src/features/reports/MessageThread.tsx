import { useCallback, useId, useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import type { Message } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { StatusMessage } from '../../components/StatusMessage';
import { useLoad } from '../../hooks/useLoad';
import { TextAreaField } from './fields';
import { formatDay } from './format';

interface MessageThreadProps {
  /** Who is reading: the reporter (anonymous or not) or the safety team. */
  viewer: 'reporter' | 'safety_team';
  load(): Promise<Message[]>;
  send(body: string): Promise<Message>;
  /** Called when a call fails with 401 (e.g. an anonymous session ended). */
  onUnauthorized?: () => void;
  title?: string;
}

function authorOf(message: Message, viewer: MessageThreadProps['viewer']): string {
  if (message.author === 'reporter') return viewer === 'reporter' ? 'You' : 'Reporter';
  return message.author_name ? `Safety team (${message.author_name})` : 'Safety team';
}

/** The conversation between a reporter and the safety team about one report. */
export function MessageThread({ viewer, load, send, onUnauthorized, title = 'Messages' }: MessageThreadProps) {
  const id = useId();
  const [draft, setDraft] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [sending, setSending] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);

  const fail = useCallback(
    (error: unknown): FormErrors => {
      const result = toFormErrors(error, { fields: ['body'] });
      if (onUnauthorized && (error as { status?: number }).status === 401) onUnauthorized();
      return result;
    },
    [onUnauthorized],
  );

  const thread = useLoad(
    useCallback(async () => {
      try {
        return await load();
      } catch (error) {
        fail(error);
        throw error;
      }
    }, [load, fail]),
  );
  const messages = thread.data;
  const loadError = thread.error;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (draft.trim() === '') {
      setErrors({ formError: null, fieldErrors: { body: 'Write a message first.' } });
      return;
    }
    setSending(true);
    setErrors(NO_ERRORS);
    setFlash(null);
    try {
      const sent = await send(draft.trim());
      thread.set((prev) => [...(prev ?? []), sent]);
      setDraft('');
      setFlash('Message sent.');
    } catch (error) {
      setErrors(fail(error));
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="panel thread" aria-labelledby={`${id}-title`}>
      <div className="panel__header">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" className="button button--secondary" onClick={thread.reload}>
          Refresh messages
        </button>
      </div>
      <FormError message={loadError} />
      {messages === null && !loadError ? <p role="status">Loading messages…</p> : null}
      {messages !== null && messages.length === 0 ? (
        <p className="lead">
          {viewer === 'reporter'
            ? 'No messages yet. The safety team may write here with a question or an update.'
            : 'No messages yet. Write to the reporter with a question or an update.'}
        </p>
      ) : null}
      {messages !== null && messages.length > 0 ? (
        <ol className="thread__list" aria-label={title}>
          {messages.map((m) => (
            <li key={m.id} className={m.author === viewer ? 'thread__item thread__item--mine' : 'thread__item'}>
              <p className="thread__meta">
                <strong>{authorOf(m, viewer)}</strong>
                {' · '}
                {m.created_at ? (
                  <DateTime value={m.created_at} />
                ) : (
                  <time dateTime={m.created_on}>{formatDay(m.created_on)}</time>
                )}
              </p>
              <p className="thread__body">{m.body}</p>
            </li>
          ))}
        </ol>
      ) : null}
      <StatusMessage message={flash} />
      <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <FormError message={errors.formError} />
        <TextAreaField
          label={viewer === 'reporter' ? 'Write to the safety team' : 'Write to the reporter'}
          value={draft}
          maxLength={4000}
          rows={3}
          checkPhi
          onChange={(event) => setDraft(event.target.value)}
          error={errors.fieldErrors.body}
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={sending}>
            {sending ? 'Sending…' : 'Send message'}
          </button>
        </div>
      </form>
    </section>
  );
}
