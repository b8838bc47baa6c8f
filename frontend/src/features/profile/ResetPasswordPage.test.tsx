import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { pathOf, problem, stubFetch } from '../../test/http';
import ResetPasswordPage from './ResetPasswordPage';

function openLink(hash: string) {
  window.history.replaceState(null, '', `/reset-password${hash}`);
  return render(
    <MemoryRouter>
      <ResetPasswordPage />
    </MemoryRouter>,
  );
}

afterEach(() => window.history.replaceState(null, '', '/'));

describe('ResetPasswordPage', () => {
  it('takes the token from the link, out of the address bar, and sets the password with it', async () => {
    const sent: unknown[] = [];
    stubFetch(async (request) => {
      if (pathOf(request) !== '/api/v1/auth/password-reset') return problem(404);
      sent.push(await request.json());
      return new Response(null, { status: 204 });
    });
    openLink('#token=the-token-from-the-email');
    expect(window.location.hash).toBe('');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New password'), 'a quiet night shift on ward nine');
    await user.type(screen.getByLabelText('New password again'), 'a quiet night shift on ward nine');
    await user.click(screen.getByRole('button', { name: 'Set my new password' }));
    expect(await screen.findByText(/Your password is set/)).toBeTruthy();
    expect(sent).toEqual([{ token: 'the-token-from-the-email', new_password: 'a quiet night shift on ward nine' }]);
  });

  it('says so when the link has expired or was used', async () => {
    stubFetch(() =>
      problem(422, {
        type: 'urn:haven:problem:reset-link-invalid',
        detail: 'This link has expired or has already been used. Ask an administrator for a new one.',
      }),
    );
    openLink('#token=an-old-token');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New password'), 'a quiet night shift on ward nine');
    await user.type(screen.getByLabelText('New password again'), 'a quiet night shift on ward nine');
    await user.click(screen.getByRole('button', { name: 'Set my new password' }));
    expect((await screen.findByRole('alert')).textContent).toContain('has expired or has already been used');
  });

  it('asks for the link when opened without one', () => {
    stubFetch(() => problem(404));
    openLink('');
    expect(screen.getByRole('alert').textContent).toContain('needs the link from your email');
    expect(screen.queryByLabelText('New password')).toBeNull();
  });
});
