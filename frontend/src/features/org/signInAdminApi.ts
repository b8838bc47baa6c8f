import { api } from '../../api/client';
import { unwrap } from '../../api/problem';

/**
 * Email the person a single-use link (30 minutes) to choose a new password; the administrator
 * never sees it. Answers when the link stops working.
 */
export async function sendPasswordReset(userId: string): Promise<string> {
  const sent = unwrap(
    await api.POST('/api/v1/users/{user_id}/password-reset', { params: { path: { user_id: userId } } }),
  );
  return sent.expires_at;
}

/** Clear the person's sign-in delays (password and second factor) in every server process. */
export async function unlockSignIn(userId: string): Promise<void> {
  unwrap(await api.POST('/api/v1/users/{user_id}/unlock', { params: { path: { user_id: userId } } }));
}
