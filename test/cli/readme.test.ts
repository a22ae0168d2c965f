/** README.md's option list and the help agree: both come from src/cli/options.ts, and this checks it. */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { COMMANDS, longName } from '../../src/cli/options.js';
import { BEGIN, END, withOptions } from '../../src/cli/readme.js';
import { zonelog } from '../support/cli.js';

const readme = fs.readFileSync('README.md', 'utf8');
const part = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END));

/** The long flags README lists for a command: its own rows and those of the groups it names. */
function readmeFlags(command: string): string[] {
  const blocks = part.split(/^#### /m);
  const own = blocks.find((b) => /^`zonelog ([a-z]+)/.exec(b)?.[1] === command)!;
  const rows = (b: string) => [...b.matchAll(/^\| `(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!);
  const flags = rows(own);
  const also = /^And (.*)\.$/m.exec(own)?.[1] ?? '';
  for (const g of also.matchAll(/the ([a-z]+ options)(?: \(but ([^)]*)\))?/g)) {
    const group = blocks.find((b) => b.startsWith(`The ${g[1]}`))!;
    const but = new Set([...(g[2] ?? '').matchAll(/`(--[a-z0-9-]+)`/g)].map((m) => m[1]!));
    flags.push(...rows(group).filter((f) => !but.has(f)));
  }
  return [...new Set(flags)].sort();
}

/** The long flags `zonelog COMMAND --help` prints. */
async function helpFlags(command: string): Promise<string[]> {
  const r = await zonelog([command, '--help']);
  expect(r.code).toBe(0);
  const options = r.stdout.slice(r.stdout.indexOf('Options:'));
  return [...new Set([...options.matchAll(/^\s+(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!))].filter((f) => f !== '--help').sort();
}

describe('README.md', () => {
  it('holds the option list made from the table (run `npm run readme` after changing src/cli/options.ts)', () => {
    expect(part.length).toBeGreaterThan(0);
    expect(withOptions(readme)).toBe(readme);
  });

  it.each(COMMANDS.map((c) => c.name))('lists exactly the options %s --help shows', async (name) => {
    const help = await helpFlags(name);
    expect(help.length).toBeGreaterThan(0);
    expect(readmeFlags(name)).toEqual(help);
  });

  it('names every command, and the help shows every default a seconds option has in seconds', async () => {
    for (const c of COMMANDS) expect(readme).toContain(`#### \`zonelog ${c.name}`);
    const scan = await zonelog(['scan', '--help']);
    expect(scan.stdout.replace(/\s+/g, ' ')).toMatch(/--transfer-deadline <seconds>[\s\S]*?\(default: 1800\)/);
    expect(COMMANDS.flatMap((c) => c.options).length).toBeGreaterThan(10);
    expect(longName({ flags: '-o, --output <file>', help: '' })).toBe('--output');
  });
});
