import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { loginFor, openNav, signIn, uniqueSuffix } from './support';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** A staff directory export: 240 people in the demo's departments, and one row that is wrong. */
function staffFile(suffix: string): Buffer {
  const lines = ['External ID;Email;Display Name;Department Code;Profession;Roles'];
  const codes = ['ED', 'ICU', 'PHARM'];
  for (let n = 0; n < 240; n++) {
    lines.push(`HR-${suffix}-${n};p${n}.${suffix.toLowerCase()}@example.org;Person ${n} ${suffix};${codes[n % 3]};nurse;staff`);
  }
  lines.splice(6, 0, `HR-${suffix}-BAD;not-an-address;Bad Row;NOWHERE;nurse;staff`); // row 7
  return Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`, 'utf8');
}

test('an administrator imports a staff file, sees its progress and the row it refused, and re-runs it', async ({
  page,
}) => {
  const suffix = uniqueSuffix();
  await signIn(page, loginFor('admin'));
  await openNav(page, 'Import people');
  await expect(page.getByRole('heading', { level: 1, name: 'Import people' })).toBeVisible();
  expect((await new AxeBuilder({ page }).withTags(TAGS).analyze()).violations).toEqual([]);

  const upload = async () => {
    await page.getByLabel('CSV file').setInputFiles({ name: `staff-${suffix}.csv`, mimeType: 'text/csv', buffer: staffFile(suffix) });
    await page.getByRole('button', { name: 'Import people' }).click();
    await expect(page.getByRole('heading', { name: `staff-${suffix}.csv` })).toBeVisible();
  };

  // Worked through batch by batch, each a request of its own that answers the progress.
  const steps: number[] = [];
  page.on('response', async (response) => {
    if (response.url().endsWith('/continue')) steps.push(((await response.json()) as { processed_rows: number }).processed_rows);
  });
  await upload();
  await expect(page.getByText('Done: 241 rows read.')).toBeVisible({ timeout: 60_000 });
  expect(steps).toEqual([100, 200, 241]);
  const outcome = page.getByLabel('Outcome');
  await expect(outcome.getByText('Created', { exact: true }).locator('xpath=following-sibling::dd[1]')).toHaveText('240');
  await expect(outcome.getByText('Not imported').locator('xpath=following-sibling::dd[1]')).toHaveText('1');
  const refused = page.getByRole('table');
  await expect(refused.getByRole('row').filter({ hasText: 'not-an-address' })).toHaveCount(2); // email and department
  await expect(refused.getByRole('row').filter({ hasText: 'Not an email address.' })).toContainText('7');
  await expect(refused.getByRole('row').filter({ hasText: 'department_code' })).toContainText(
    'No active department has this code.',
  );
  expect((await new AxeBuilder({ page }).withTags(TAGS).analyze()).violations).toEqual([]);

  // The same file again: nobody is doubled, everybody is as the file says.
  await page.getByRole('link', { name: 'Import another file' }).click();
  await upload();
  await expect(page.getByText('Done: 241 rows read.')).toBeVisible({ timeout: 60_000 });
  await expect(outcome.getByText('Unchanged').locator('xpath=following-sibling::dd[1]')).toHaveText('240');
  await expect(outcome.getByText('Created', { exact: true }).locator('xpath=following-sibling::dd[1]')).toHaveText('0');

  // The people are there, in their departments.
  await openNav(page, 'Users');
  const users = page.getByRole('list', { name: 'Users' });
  await page.getByRole('combobox', { name: 'Department' }).selectOption({ label: 'Pharmacy' });
  await expect(users.getByRole('heading', { name: `Person 2 ${suffix}` })).toBeVisible();
});
