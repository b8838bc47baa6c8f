/**
 * A privileged person (an auditor) sets up an authenticator on the profile page, then signs in
 * with a password and a code computed from the key the page showed once (RFC 6238, by the
 * `otpauth` package), and a used code does not work twice.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { loginFor, secondAdmin, signIn, uniqueSuffix, type Login } from './support';

async function tokenFor(request: APIRequestContext, login: Pick<Login, 'email' | 'password'>): Promise<string> {
  const response = await request.post('/api/v1/auth/token', { form: { username: login.email, password: login.password } });
  expect(response.ok()).toBeTruthy();
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An auditor of its own (the demo's are shared with other tests): proposed, then confirmed. */
async function newAuditor(request: APIRequestContext): Promise<{ email: string; password: string }> {
  const suffix = uniqueSuffix();
  const person = { email: `e2e.auditor.${suffix.toLowerCase()}@example.org`, password: `an auditor passphrase ${suffix}` };
  const admin = { Authorization: `Bearer ${await tokenFor(request, loginFor('admin'))}` };
  const created = await request.post('/api/v1/users', {
    headers: admin,
    data: { ...person, display_name: `Auditor ${suffix}`, roles: ['auditor'], profession: 'other' },
  });
  expect(created.status()).toBe(201);
  const grant = ((await created.json()) as { pending_grant: { id: string; version: number } }).pending_grant;
  const second = { Authorization: `Bearer ${await tokenFor(request, secondAdmin())}` };
  const confirmed = await request.post(`/api/v1/role-grants/${grant.id}/confirm`, {
    headers: { ...second, 'If-Match': `"${grant.version}"` },
  });
  expect(confirmed.ok()).toBeTruthy();
  return person;
}

test('an auditor sets up an authenticator and signs in with a code from it', async ({ page, request }) => {
  const auditor = await newAuditor(request);
  await signIn(page, auditor);

  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.getByRole('button', { name: 'Set up an authenticator' }).click();
  await expect(section.getByRole('img', { name: 'QR code to scan with your authenticator app' })).toBeVisible();
  const key = ((await section.getByLabel('Key for your authenticator app').textContent()) ?? '').replaceAll(' ', '');
  const totp = new TOTP({ secret: Secret.fromBase32(key), digits: 6, period: 30, algorithm: 'SHA1' });
  await section.getByLabel('Code from the app').fill(totp.generate());
  await section.getByRole('button', { name: 'Confirm' }).click();
  await expect(section.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await section.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Two-step sign-in is on.' })).toBeVisible();

  await page.getByRole('button', { name: /Account/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  // The password alone now leads to the code step.
  await page.getByLabel('Email').fill(auditor.email);
  await page.getByLabel('Password').fill(auditor.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const code = page.getByLabel('Code from your authenticator app');
  await expect(code).toBeVisible();
  // The enrolment used this 30-second step's code; the next step's is accepted (clock drift).
  const next = totp.generate({ timestamp: Date.now() + 30_000 });
  await code.fill(next);
  const finished = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/sign-in/totp'));
  await page.getByRole('button', { name: 'Continue' }).click();
  const answer = await finished;
  expect(answer.status()).toBe(200);
  expect(((await answer.json()) as { refresh_token: string | null }).refresh_token).toBeNull();
  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();

  // The same code never works twice.
  await page.getByRole('button', { name: /Account/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Email').fill(auditor.email);
  await page.getByLabel('Password').fill(auditor.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code from your authenticator app').fill(next);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('alert')).toContainText('Codes change every 30 seconds and work once');
});
