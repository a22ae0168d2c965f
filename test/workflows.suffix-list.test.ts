import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const file = path.resolve('.github/workflows/suffix-list.yml');

describe("the suffix list's update workflow", () => {
  it('passes action-validator', () => {
    const r = spawnSync(path.resolve('node_modules/.bin/action-validator'), [file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/"errors"/);
    expect(r.status).toBe(0);
  });

  it("runs weekly and by hand, never beside a scan, checks the list with zonelog's reader, and writes only the shipped copy", () => {
    const wf = parse(fs.readFileSync(file, 'utf8'));
    const scan = parse(fs.readFileSync(path.resolve('.github/workflows/scan.yml'), 'utf8'));
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on.schedule[0].cron.split(/\s+/)[4]).not.toBe('*');
    expect(wf.on).toHaveProperty('workflow_dispatch');
    expect(wf.concurrency.group).toBe(scan.concurrency.group);
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    const runs = (wf.jobs.update.steps as { run?: string }[]).map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('parseSuffixList');
    expect(runs).toContain('data/public_suffix_list.dat');
    expect(fs.existsSync(path.resolve('data/public_suffix_list.dat'))).toBe(true);
    // The checked module is where the build puts it.
    expect(runs).toContain('./dist/src/scan/sources/psl.js');
    expect(fs.existsSync(path.resolve('src/scan/sources/psl.ts'))).toBe(true);
  });
});
