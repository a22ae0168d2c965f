import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startLab, type Lab } from '../../src/lab/lab.js';
import type { Report } from '../../src/scan/results.js';
import { parseSuffixList, shippedSuffixListPath } from '../../src/scan/sources/psl.js';
import { zonelog } from '../support/cli.js';
import { resultsDirs } from '../support/scan.js';

const out = resultsDirs();

describe("scan's source options: bad input is one line, exit 1, and writes nothing", () => {
  it.each([
    ['an unknown budget', ['--budget', 'moon=3']],
    ['a budget that is no number', ['--budget', 'psl=lots']],
    ['a negative leaked limit', ['--leaked-max', '-1']],
    ['a missing suffix list', ['--suffix-list', '/nonexistent/list.dat']],
  ])('%s', async (_what, args) => {
    const dir = out();
    const r = await zonelog(['scan', '--root', '127.0.0.1', '--port', '1', '--out', dir, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^zonelog: /);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a suffix list that names no suffix', async () => {
    const dir = out();
    const list = path.join(path.dirname(out()), 'empty.dat');
    fs.mkdirSync(path.dirname(list), { recursive: true });
    fs.writeFileSync(list, '// nothing\ncom\n');
    const r = await zonelog(['scan', '--root', '127.0.0.1', '--port', '1', '--out', dir, '--suffix-list', list]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/names no public suffix/);
  });
});

describe('the shipped Public Suffix List', () => {
  it('is found from the module, and its ICANN section gives thousands of suffixes below the TLDs', () => {
    const file = shippedSuffixListPath();
    expect(file).toBeDefined();
    const list = parseSuffixList(fs.readFileSync(file!, 'utf8'));
    expect(list.suffixes.length).toBeGreaterThan(5000);
    expect(list.suffixes).toContain('gov.uk.');
    expect(list.suffixes).toContain('ac.jp.');
    // IDN suffixes in their ASCII form; the private section is left out.
    expect(list.suffixes.some((s) => s.includes('xn--'))).toBe(true);
    expect(list.suffixes).not.toContain('github.io.');
    expect(list.invalid).toEqual([]);
    expect(list.wildcards).toBeGreaterThan(0);
  });
});

describe('zonelog scan (the built binary) with every source, on the lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ zones: 20, seed: 9, port: 0, below: true });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('reads --suffix-list and --budget, and reports what each source gave and what was cut', async () => {
    const dir = out();
    const list = path.join(path.dirname(dir), 'suffixes.dat');
    fs.mkdirSync(path.dirname(list), { recursive: true });
    fs.writeFileSync(list, lab.world.suffixList!);
    const bin = path.resolve('dist/src/cli/bin.js');
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      'scan',
      '--root',
      lab.rootServers.join(','),
      '--port',
      String(lab.port),
      '--out',
      dir,
      '--timeout',
      '0.5',
      '--transfer-deadline',
      '2',
      '--suffix-list',
      list,
      '--budget',
      'psl=4',
      '--budget',
      'leaked=none',
      '--json',
    ]);
    expect(JSON.parse(stdout).zonesTransferred).toBeGreaterThan(0);
    const rep = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;
    const s = rep.sources as { sources: Record<string, { targets: number; cutZones: number; budget: number | null }> };
    expect(s.sources.psl!.budget).toBe(4);
    expect(s.sources.psl!.cutZones).toBeGreaterThan(0);
    expect(s.sources.leaked!.budget).toBeNull();
    expect(s.sources.arpa!.targets).toBeGreaterThan(0);
    expect(rep.targets.some((t) => t.source === 'leaked')).toBe(true);
  }, 120_000);
});
