/**
 * Single sign-on through a real OpenID Connect provider (tests/oidc_provider.py, started by
 * playwright.config.ts on 127.0.0.1: another site than Haven's localhost), through the
 * provider's own page: the person is created from the claim mapping, comes back signed in, and
 * a refused or cancelled sign-in ends on Haven's sign-in page with a plain explanation.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';

const issuer = `http://127.0.0.1:${process.env.HAVEN_E2E_OIDC_PORT}`;
const BUTTON = 'Sign in with St Elsewhere Hospital';

/** A person at the provider, with the claims their id token will carry. */
async function personAtProvider(request: APIRequestContext, claims: Record<string, unknown>): Promise<string> {
  const sub = `e2e-${randomBytes(6).toString('hex')}`;
  const response = await request.put(`${issuer}/users/${sub}`, { data: claims });
  expect(response.status()).toBe(204);
  return sub;
}

/** On the provider's page: type who you are and authorize (or deny). */
async function atProvider(page: Page, sub: string, action: 'Authorize' | 'Deny' = 'Authorize'): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${issuer}/oauth2/authorize\\?`));
  await expect(page.getByRole('heading', { name: 'Authorize Client' })).toBeVisible();
  if (action === 'Authorize') await page.getByPlaceholder('sub').fill(sub);
  await page.getByRole('button', { name: action, exact: true }).click();
}

test('a nurse signs in through the hospital’s identity provider and stays signed in', async ({ page, request }) => {
  const suffix = randomBytes(4).toString('hex');
  const sub = await personAtProvider(request, {
    email: `noor.${suffix}@st-elsewhere.example`,
    email_verified: true,
    name: `Noor Sso ${suffix}`,
    groups: ['e2e-staff'],
    department: 'ED',
    profession: 'nurse',
  });

  await page.goto('/sign-in');
  await page.getByRole('link', { name: BUTTON }).click();
  await atProvider(page, sub);

  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  const main = page.getByRole('main');
  await expect(main).toContainText(`Noor Sso ${suffix}`);
  await expect(main).toContainText('Emergency');
  await expect(page).toHaveURL(/localhost:\d+\/profile$/);
  // The session is Haven's own: a reload restores it from the refresh cookie.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  const cookies = await page.context().cookies();
  const refresh = cookies.find((c) => c.name === 'haven_refresh');
  expect(refresh?.httpOnly).toBe(true);
  expect(refresh?.sameSite).toBe('Strict');
  expect(cookies.find((c) => c.name === 'haven_oidc_flow')).toBeUndefined();
});

test('a person the mapping gives no role is told so on the sign-in page', async ({ page, request }) => {
  const sub = await personAtProvider(request, {
    email: `visitor.${randomBytes(4).toString('hex')}@st-elsewhere.example`,
    email_verified: true,
    groups: ['visitors'],
  });

  await page.goto('/sign-in');
  await page.getByRole('link', { name: BUTTON }).click();
  await atProvider(page, sub);

  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText(
    'Your organisation’s directory does not give you access to Haven yet. Ask your administrator to add you.',
  );
  // The password form is still there for those who have one.
  await expect(page.getByLabel('Email')).toBeVisible();
});

test('denying at the provider comes back calmly, without a session', async ({ page, request }) => {
  const sub = await personAtProvider(request, { email: 'denied@st-elsewhere.example', groups: ['e2e-staff'] });

  await page.goto('/sign-in');
  await page.getByRole('link', { name: BUTTON }).click();
  await atProvider(page, sub, 'Deny');

  await expect(page.getByRole('alert')).toHaveText(
    'Signing in with your organisation was cancelled or did not finish. Please try again.',
  );
  await page.goto('/profile');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
});
