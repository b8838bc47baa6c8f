import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loginFor, signIn } from './support';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `haven audit ...` against the server's database and anchor file (as playwright.config.ts sets them). */
function havenAudit(...args: string[]): string {
  const runDir = process.env.HAVEN_E2E_RUN_DIR;
  if (!runDir) throw new Error('HAVEN_E2E_RUN_DIR is not set: run through playwright.config.ts');
  return execFileSync(process.env.HAVEN_BIN || path.join(repoRoot, '.venv', 'bin', 'haven'), ['audit', ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      HAVEN_DATABASE_URL: `sqlite:///${path.join(runDir, 'e2e.sqlite')}`,
      HAVEN_SECRET_KEY: process.env.HAVEN_E2E_SECRET,
      HAVEN_VAR_DIR: runDir,
      HAVEN_LOG_LEVEL: 'WARNING',
    },
  });
}

test('the auditor sees the audit log verified with its key and against its anchors', async ({ page }) => {
  havenAudit('anchor');
  await signIn(page, loginFor('auditor'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page.getByText(/^The audit log is intact: \d+ rows checked with the audit key/)).toBeVisible();
  const facts = page.getByLabel('Verification details');
  await expect(facts.getByText(/\d+ checked; every one is signed and agrees with the chain/)).toBeVisible();
  await expect(facts.getByText(/^Row \d+, written/)).toBeVisible();
  await expect(page.getByRole('cell', { name: 'audit.anchored' }).first()).toBeVisible();

  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});
