import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { loginFor, signIn } from './support';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `${label}: serious or critical accessibility violations`).toEqual([]);
}

const SIGNED_IN_PAGES = [
  { path: '/profile', heading: 'Profile', ready: 'Email' },
  { path: '/admin/departments', heading: 'Departments', ready: 'Show inactive departments' },
  { path: '/admin/users', heading: 'Users', ready: 'Show deactivated users' },
  { path: '/admin/users/new', heading: 'New user', ready: 'Display name' },
  { path: '/admin/api-keys', heading: 'API keys', ready: 'Create a key' },
];

async function openAndWait(page: Page, target: (typeof SIGNED_IN_PAGES)[number]): Promise<void> {
  await page.goto(target.path);
  await expect(page.getByRole('heading', { level: 1, name: target.heading })).toBeVisible();
  await expect(page.getByText(target.ready, { exact: true }).first()).toBeVisible();
  await expect(page.getByText(/^Loading/)).toHaveCount(0);
}

// Mobile first: every page is checked on a phone. On a wide screen the layout
// differs only in the shell (the navigation is shown beside the page), so one
// page covers it there.
test.describe('accessibility on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('sign-in page', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectNoSeriousViolations(page, 'sign-in');
  });

  for (const target of SIGNED_IN_PAGES) {
    test(`${target.heading} page`, async ({ page }) => {
      await signIn(page, loginFor('admin'));
      await openAndWait(page, target);
      await expectNoSeriousViolations(page, target.path);
    });
  }

  test('open navigation menu', async ({ page }) => {
    await signIn(page, loginFor('admin'));
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expectNoSeriousViolations(page, 'open menu');
  });
});

test.describe('accessibility on a desktop', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('sign-in page and the signed-in shell', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectNoSeriousViolations(page, 'sign-in (desktop)');
    await signIn(page, loginFor('admin'));
    await openAndWait(page, SIGNED_IN_PAGES[0]!);
    await expectNoSeriousViolations(page, 'profile (desktop)');
  });
});
