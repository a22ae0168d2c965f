/** Runs `zonelog` in-process through main(), capturing what it prints. */
import { Writable } from 'node:stream';
import { main } from '../../src/cli/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function zonelog(args: string[], env: Record<string, string | undefined> = process.env): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: new Writable({
      write(c: Buffer | string, _e, cb) {
        stdout += typeof c === 'string' ? c : c.toString('latin1');
        cb();
      },
    }),
    stderr: new Writable({
      write(c: Buffer | string, _e, cb) {
        stderr += c.toString();
        cb();
      },
    }),
    env,
  });
  return { code, stdout, stderr };
}
