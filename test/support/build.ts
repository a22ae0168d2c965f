/**
 * Vitest's global setup: builds the command (tsc -p tsconfig.json) before any
 * test runs, so the tests that spawn dist/src/cli/bin.js run the code under
 * test, never a stale build. The build is incremental: after the first, it
 * costs a second or two.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'pipe' });
  } catch (e) {
    const out = e as { stdout?: Buffer };
    throw new Error(`the build failed:\n${out.stdout?.toString() ?? String(e)}`);
  }
}
