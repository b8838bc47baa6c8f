/**
 * End-to-end tests against the real backend: `haven serve` runs the API and the
 * built SPA (frontend/dist) on a free local port with a fresh SQLite database
 * seeded with the demo organisation. Build the SPA first (`npm run build`).
 *
 * Environment overrides:
 *   HAVEN_BIN        backend CLI (default: <repo>/.venv/bin/haven)
 *   HAVEN_CHROMIUM   browser executable (default: /usr/bin/chromium)
 *   HAVEN_E2E_PORT   port for the test server (default: a free one)
 *   HAVEN_E2E_OIDC_PORT  port for the OpenID Connect provider (default: a free one)
 *   HAVEN_PYTHON     Python that runs that provider (default: beside HAVEN_BIN)
 *
 * A second server is a real OpenID Connect provider (tests/oidc_provider.py: oidc-provider-mock,
 * from the test extra) on 127.0.0.1, another site than Haven's localhost, for e2e/sso.spec.ts.
 * Haven keeps password sign-in on beside it: every other spec signs in with a password.
 */
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const frontendDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(frontendDir, '..');

/** Ask the OS for a free port (synchronously: the config is not async). */
function freePort(): string {
  const script =
    "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});";
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

// The runner evaluates this file first and its workers inherit the environment,
// so values fixed here are the same in every process of one run.
process.env.HAVEN_E2E_PORT ||= freePort();
process.env.HAVEN_E2E_RUN_DIR ||= path.join(frontendDir, '.e2e', `run-${Date.now()}-${process.pid}`);
process.env.HAVEN_E2E_SECRET ||= randomBytes(32).toString('hex');
process.env.HAVEN_E2E_OIDC_PORT ||= freePort();

const port = process.env.HAVEN_E2E_PORT;
const runDir = process.env.HAVEN_E2E_RUN_DIR;
const havenBin = process.env.HAVEN_BIN || path.join(repoRoot, '.venv', 'bin', 'haven');
const chromium = process.env.HAVEN_CHROMIUM || '/usr/bin/chromium';
const python = process.env.HAVEN_PYTHON || path.join(path.dirname(havenBin), 'python');
const oidcPort = process.env.HAVEN_E2E_OIDC_PORT;
const oidcClientSecret = `${process.env.HAVEN_E2E_SECRET}-oidc-client`;
const oidcCallback = `http://localhost:${port}/api/v1/auth/oidc/callback`;
const loginsFile = path.join(runDir, 'logins.json');

mkdirSync(runDir, { recursive: true });
if (!existsSync(path.join(frontendDir, 'dist', 'index.html'))) {
  throw new Error('frontend/dist is missing: run `npm run build` before `npm run e2e`.');
}

const haven = shellQuote(havenBin);

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  // Tests are independent (each signs in itself), so both workers share every file.
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // Generous: make test runs these beside the backend suites on two shared cores, and a
  // passing step takes no longer for it.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  globalTeardown: './e2e/globalTeardown.ts',
  use: {
    // localhost is a secure context for Chromium, so the Secure refresh cookie works over http.
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: [
        `exec ${shellQuote(python)} -m tests.oidc_provider --port ${oidcPort}`,
        `--client-id haven-e2e --client-secret ${shellQuote(oidcClientSecret)}`,
        `--redirect-uri ${shellQuote(oidcCallback)}`,
      ].join(' '),
      cwd: repoRoot,
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      command: [
        `${haven} db upgrade`,
        `${haven} seed-demo --logins-file ${shellQuote(loginsFile)}`,
        `exec ${haven} serve --host 127.0.0.1 --port ${port}`,
      ].join(' && '),
      cwd: repoRoot,
      url: `http://127.0.0.1:${port}/api/v1/openapi.json`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        HAVEN_DATABASE_URL: `sqlite:///${path.join(runDir, 'e2e.sqlite')}`,
        HAVEN_SECRET_KEY: process.env.HAVEN_E2E_SECRET,
        HAVEN_VAR_DIR: runDir,
        HAVEN_WEB_DIR: path.join(frontendDir, 'dist'),
        // Warnings and errors only: the access log would drown the test report.
        HAVEN_LOG_LEVEL: process.env.HAVEN_E2E_LOG_LEVEL || 'WARNING',
        // Cheap password hashing: these tests drive the web client, not argon2's cost,
        // and every test signs in.
        HAVEN_AUTH_ARGON2_TIME_COST: '1',
        HAVEN_AUTH_ARGON2_MEMORY_KIB: '1024',
        HAVEN_AUTH_ARGON2_PARALLELISM: '1',
        // Every test signs in, reports and follows receipts from this one address, over and
        // over: the per-client limits are proved by the backend suite (tests/reports/test_flood.py
        // and tests/auth/test_sign_in_limits.py), and the pages' answers to a 429 or a 503 by
        // src/features/reports/underLoad.test.tsx.
        HAVEN_LIMITS_SIGN_INS: '100000',
        HAVEN_LIMITS_ANONYMOUS_REPORTS: '100000',
        HAVEN_LIMITS_ANONYMOUS_MESSAGES: '100000',
        HAVEN_LIMITS_RECEIPT_EXCHANGES: '100000',
        // The support spec shows that the coordinator never sees a supporter's private note.
        HAVEN_SUPPORT_PRIVATE_NOTES: 'true',
        HAVEN_SUPPORT_NOTE_KEY: process.env.HAVEN_E2E_SECRET + '-notes',
        // Single sign-on through the provider above (e2e/sso.spec.ts); passwords stay on.
        HAVEN_OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
        HAVEN_OIDC_CLIENT_ID: 'haven-e2e',
        HAVEN_OIDC_CLIENT_SECRET: oidcClientSecret,
        HAVEN_OIDC_REDIRECT_URI: oidcCallback,
        HAVEN_OIDC_NAME: 'St Elsewhere Hospital',
        HAVEN_OIDC_ROLE_MAP: JSON.stringify({ 'e2e-staff': ['staff'] }),
        HAVEN_OIDC_DEPARTMENT_CLAIM: 'department',
        HAVEN_OIDC_PROFESSION_CLAIM: 'profession',
      },
    },
  ],
});
