import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { loginFor, openNav, secondAdmin, signIn, uniqueSuffix } from './support';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('admin on a phone creates a department and a user and sees them listed', async ({ page, browser }) => {
  const suffix = uniqueSuffix();
  const departmentName = `E2E Ward ${suffix}`;
  const departmentCode = `E2E${suffix}`;
  const userName = `Robin Tester ${suffix}`;
  const userEmail = `robin.${suffix.toLowerCase()}@example.org`;

  await signIn(page, loginFor('admin'));

  // The navigation is collapsed behind the menu button on a narrow screen.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  await openNav(page, 'Departments');
  await expect(page.getByRole('heading', { level: 1, name: 'Departments' })).toBeVisible();

  await page.getByRole('link', { name: 'New department' }).click();
  await page.getByLabel('Name').fill(departmentName);
  await page.getByLabel('Code').fill(departmentCode);
  await page.getByRole('button', { name: 'Create department' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'created' })).toHaveText(
    `Department ${departmentName} created.`,
  );
  const departments = page.getByRole('list', { name: 'Departments' });
  await expect(departments.getByRole('heading', { name: departmentName })).toBeVisible();

  await openNav(page, 'Users');
  await page.getByRole('link', { name: 'New user' }).click();
  await page.getByLabel('Email').fill(userEmail);
  await page.getByLabel('Display name').fill(userName);
  await page.getByRole('checkbox', { name: 'Peer supporter' }).check();
  await page.getByRole('combobox', { name: 'Department' }).selectOption({ label: departmentName });
  await page.getByRole('combobox', { name: 'Profession' }).selectOption({ label: 'Physician' });
  await page.getByRole('button', { name: 'Create user' }).click();

  // No password was given: the server generated one and it is shown once.
  await expect(page.getByRole('heading', { name: `User ${userName} created` })).toBeVisible();
  const initialPassword = await page.getByLabel(`Initial password for ${userEmail}`).inputValue();
  expect(initialPassword.length).toBeGreaterThanOrEqual(8);

  await page.getByRole('link', { name: 'Back to users' }).click();
  await page.getByRole('combobox', { name: 'Department' }).selectOption({ label: departmentName });
  const users = page.getByRole('list', { name: 'Users' });
  const card = users.getByRole('listitem').filter({ has: page.getByRole('heading', { name: userName }) });
  await expect(card).toBeVisible();
  await expect(card).toContainText(userEmail);
  await expect(card.getByRole('list', { name: `Roles of ${userName}` })).toContainText('Peer supporter');

  // The session survives a reload through the refresh cookie; nothing sits in web storage.
  await page.reload();
  await expect(page.getByRole('list', { name: 'Users' }).getByRole('heading', { name: userName })).toBeVisible();
  expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

  // The new person can sign in with the password shown once.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const newcomer = await context.newPage();
  await signIn(newcomer, { email: userEmail, password: initialPassword });
  await expect(newcomer.getByText(departmentName)).toBeVisible();
  await context.close();
});

test('a privileged role waits for a second admin, and roles that break the wall are refused', async ({
  page,
  browser,
}) => {
  const suffix = uniqueSuffix();
  const userName = `Grant Tester ${suffix}`;
  const userEmail = `grant.${suffix.toLowerCase()}@example.org`;

  await signIn(page, loginFor('admin'));
  await openNav(page, 'Users');
  await page.getByRole('link', { name: 'New user' }).click();
  await page.getByLabel('Email').fill(userEmail);
  await page.getByLabel('Display name').fill(userName);
  await page.getByLabel('Password (optional)').fill('a long enough password');
  const roles = page.getByRole('group', { name: 'Roles' });
  await roles.getByRole('checkbox', { name: 'Safety officer' }).check();
  await roles.getByRole('checkbox', { name: 'Support coordinator' }).check();
  await page.getByRole('button', { name: 'Create user' }).click();

  // The server refuses the combination; its reason stands next to the roles.
  await expect(roles).toContainText('Not allowed together: safety_officer with support_coordinator');
  await expect(page.getByRole('heading', { level: 1, name: 'New user' })).toBeVisible();

  await roles.getByRole('checkbox', { name: 'Support coordinator' }).uncheck();
  await expect(page.getByText('Saving asks a second administrator to confirm Safety officer')).toBeVisible();
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'created' })).toHaveText(
    `User ${userName} created. Safety officer for ${userName} now waits for a second administrator to confirm.`,
  );

  // The proposer may only withdraw it.
  const waiting = page.getByRole('list', { name: 'Role grants waiting for confirmation' });
  const proposal = waiting.getByRole('listitem').filter({ hasText: `Safety officer for ${userName}` });
  await expect(proposal).toContainText('You proposed this: another administrator confirms it.');
  await expect(proposal.getByRole('button', { name: `Cancel Safety officer for ${userName}` })).toBeVisible();
  await expect(proposal.getByRole('button', { name: /^Confirm/ })).toHaveCount(0);
  const users = page.getByRole('list', { name: 'Users' });
  const card = users.getByRole('listitem').filter({ has: page.getByRole('heading', { name: userName }) });
  await expect(card.getByRole('list', { name: `Roles of ${userName}` })).not.toContainText('Safety officer');
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );

  // The second administrator confirms; only then does the person hold the role.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const second = await context.newPage();
  await signIn(second, secondAdmin());
  await openNav(second, 'Users');
  const theirs = second
    .getByRole('list', { name: 'Role grants waiting for confirmation' })
    .getByRole('listitem')
    .filter({ hasText: `Safety officer for ${userName}` });
  await theirs.getByRole('button', { name: `Confirm Safety officer for ${userName}` }).click();
  await expect(second.getByRole('status').filter({ hasText: 'Confirmed' })).toHaveText(
    `Confirmed: Safety officer for ${userName}.`,
  );
  const confirmedCard = second
    .getByRole('list', { name: 'Users' })
    .getByRole('listitem')
    .filter({ has: second.getByRole('heading', { name: userName }) });
  await expect(confirmedCard.getByRole('list', { name: `Roles of ${userName}` })).toContainText('Safety officer');
  await context.close();
});

test('a key that reads reports works only once a second admin confirms it', async ({ page, browser, request }) => {
  const suffix = uniqueSuffix();
  const keyName = `E2E export ${suffix}`;

  await signIn(page, loginFor('admin'));
  await openNav(page, 'API keys');
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
  await page.getByLabel('Name').fill(keyName);
  await page.getByRole('checkbox', { name: 'Read reports (reports:read)' }).check();
  await expect(page.getByText('Saving asks a second administrator to confirm this key')).toBeVisible();
  await page.getByRole('button', { name: 'Create key' }).click();

  // The secret is shown once, to its creator, and says it does not work yet.
  await expect(page.getByRole('heading', { name: `New key: ${keyName}` })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'waits for a second administrator' })).toHaveText(
    `API key ${keyName} waits for a second administrator: it does not work until another administrator confirms it.`,
  );
  const secret = await page.getByLabel('API key secret').inputValue();
  expect(secret).toMatch(/^hvn_/);
  const refused = await request.get('/api/v1/reports', { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);

  // The creator may only withdraw it.
  const waiting = page.getByRole('list', { name: 'API keys waiting for confirmation' });
  const mine = waiting.getByRole('listitem').filter({ hasText: `API key ${keyName}` });
  await expect(mine).toContainText('You created this key: another administrator confirms it.');
  await expect(mine.getByRole('button', { name: /^Confirm/ })).toHaveCount(0);
  await expect(mine.getByRole('button', { name: `Cancel API key ${keyName}` })).toBeVisible();
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );

  // The second administrator confirms; the same secret then reads reports.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const second = await context.newPage();
  await signIn(second, secondAdmin());
  await openNav(second, 'API keys');
  const theirs = second
    .getByRole('list', { name: 'API keys waiting for confirmation' })
    .getByRole('listitem')
    .filter({ hasText: `API key ${keyName}` });
  await theirs.getByRole('button', { name: `Confirm API key ${keyName}` }).click();
  await expect(second.getByRole('status').filter({ hasText: 'Confirmed' })).toHaveText(
    `Confirmed: API key ${keyName} (reports:read).`,
  );
  const keys = second.getByRole('list', { name: 'API keys', exact: true });
  await expect(keys.getByRole('listitem').filter({ hasText: keyName })).toContainText('Active');
  // Nothing of the secret reached the second administrator's page.
  expect(await second.content()).not.toContain(secret.split('_')[2]);
  await context.close();

  const works = await request.get('/api/v1/reports', { headers: { Authorization: `Bearer ${secret}` } });
  expect(works.status()).toBe(200);
});
