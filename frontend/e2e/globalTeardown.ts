import { rmSync } from 'node:fs';

/** Remove this run's database and logins (keep them with HAVEN_E2E_KEEP=1 to debug). */
export default function globalTeardown(): void {
  const runDir = process.env.HAVEN_E2E_RUN_DIR;
  if (runDir && !process.env.HAVEN_E2E_KEEP) rmSync(runDir, { recursive: true, force: true });
}
