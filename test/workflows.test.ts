import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

const dir = path.resolve('.github/workflows');
const validator = path.resolve('node_modules/.bin/action-validator');
const load = (f: string) => parse(fs.readFileSync(path.join(dir, f), 'utf8'));

describe('workflow files', () => {
  it.each(['scan.yml', 'scan-sharded.yml', 'ci.yml'])('%s passes action-validator', (file) => {
    const r = spawnSync(validator, [path.join(dir, file)], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/"errors"/);
    expect(r.status).toBe(0);
  });

  it('the validator does reject a broken workflow', () => {
    const tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'wf-'));
    const bad = path.join(tmp, 'bad.yml');
    fs.writeFileSync(bad, 'on: push\njobs:\n  x:\n    steps: 3\n');
    const r = spawnSync(validator, [bad], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    fs.rmSync(tmp, { recursive: true });
  });

  it('scan.yml runs every two hours at an odd minute, by hand too, and never two at once', () => {
    const wf = load('scan.yml');
    const crons: string[] = wf.on.schedule.map((s: { cron: string }) => s.cron);
    expect(crons).toHaveLength(1);
    const [minute, hour, dom, month, dow] = crons[0]!.split(/\s+/);
    expect(Number(minute)).toBeGreaterThan(0);
    expect(Number(minute) % 2).toBe(1);
    expect(hour).toBe('*/2');
    expect([dom, month, dow]).toEqual(['*', '*', '*']);
    expect(wf.on).toHaveProperty('workflow_dispatch');
    expect(wf.permissions).toEqual({ contents: 'write' });
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    expect(typeof wf.concurrency.group).toBe('string');
    const job = wf.jobs.scan;
    expect(job['timeout-minutes']).toBeGreaterThan(0);
    const steps = job.steps as { uses?: string; with?: Record<string, string>; run?: string }[];
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(node?.with).toMatchObject({ 'node-version': 'lts/*', cache: 'npm' });
    expect(steps.some((s) => s.run === 'npm ci')).toBe(true);
    expect(steps.some((s) => /npx zonelog run --push\b/.test(s.run ?? ''))).toBe(true);
  });

  it('scan.yml builds the site and deploys it to GitHub Pages after a scan that changed the archive', () => {
    const wf = load('scan.yml');
    const scan = wf.jobs.scan;
    expect(scan.permissions).toBeUndefined();
    const scanSteps = scan.steps as { id?: string; run?: string }[];
    const after = scanSteps.findIndex((s) => s.id === 'after');
    expect(after).toBeGreaterThan(scanSteps.findIndex((s) => /npx zonelog run --push\b/.test(s.run ?? '')));
    expect(scan.outputs.changed).toBe('${{ steps.after.outputs.changed }}');
    const pages = wf.jobs.pages;
    expect(pages.needs).toBe('scan');
    expect(pages.if).toBe("needs.scan.outputs.changed == 'true'");
    // Only this job may deploy.
    expect(pages.permissions).toEqual({ contents: 'read', pages: 'write', 'id-token': 'write' });
    expect(pages.environment.name).toBe('github-pages');
    const steps = pages.steps as { uses?: string; with?: Record<string, unknown>; run?: string; id?: string }[];
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout'))!;
    expect(checkout.with).toMatchObject({ 'fetch-depth': 0, ref: '${{ needs.scan.outputs.head }}' });
    const build = steps.findIndex((s) => /npx zonelog site --archive archive --out site\b/.test(s.run ?? ''));
    const upload = steps.findIndex((s) => s.uses?.startsWith('actions/upload-pages-artifact'));
    const deploy = steps.findIndex((s) => s.uses?.startsWith('actions/deploy-pages'));
    expect(build).toBeGreaterThan(0);
    expect(upload).toBeGreaterThan(build);
    expect(deploy).toBeGreaterThan(upload);
    expect(steps[upload]!.with!.path).toBe('site');
    expect(steps.find((s) => s.uses?.startsWith('actions/cache'))?.with?.path).toBe('.git/zonelog');
  });

  it('the sharded variant covers shards 1..N with unique artifacts and publishes once', () => {
    const wf = load('scan-sharded.yml');
    expect(wf.permissions).toEqual({ contents: 'write' });
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    expect(wf.concurrency.group).toBe(load('scan.yml').concurrency.group);
    const shards: number[] = wf.jobs.scan.strategy.matrix.shard;
    const n = shards.length;
    expect([...shards].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const steps = wf.jobs.scan.steps as { uses?: string; with?: Record<string, string>; run?: string }[];
    const scan = steps.find((s) => /zonelog scan/.test(s.run ?? ''))!;
    expect(scan.run).toContain(`--shard \${{ matrix.shard }}/${n}`);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template.
    expect(upload.with!.name).toContain('${{ matrix.shard }}');
    const publish = wf.jobs.publish;
    expect(publish.needs).toBe('scan');
    const pubSteps = publish.steps as { uses?: string; run?: string }[];
    expect(pubSteps.filter((s) => /zonelog publish .* --push/.test(s.run ?? ''))).toHaveLength(1);
    expect(pubSteps.some((s) => s.uses?.startsWith('actions/download-artifact'))).toBe(true);
  });

  it.each([
    ['scan.yml', /zonelog run\b/],
    ['scan-sharded.yml', /zonelog scan\b/],
  ])('%s: the scan deadline, set-up and what follows fit in the job timeout, as its comment says', (file, command) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const job = load(file).jobs.scan;
    const run = (job.steps as { run?: string }[]).find((s) => command.test(s.run ?? ''))!.run!;
    const deadline = Number(/--deadline (\d+)/.exec(run)?.[1]);
    expect(deadline).toBeGreaterThan(0);
    const budget =
      /# Time budget: --deadline (\d+) s \((\d+) min[^)]*\) \+ set-up (\d+) min\s*#?\s*\+ [^\d]+ (\d+) min = (\d+) min < timeout-minutes (\d+)\./.exec(text);
    expect(budget, 'the time budget comment').not.toBeNull();
    const [, s, min, setup, after, total, timeout] = budget!.map(Number);
    expect(s).toBe(deadline);
    expect(min).toBe(deadline / 60);
    expect(setup).toBeGreaterThanOrEqual(5);
    expect(after).toBeGreaterThanOrEqual(10);
    expect(total).toBe(min! + setup! + after!);
    expect(total).toBeLessThan(timeout!);
    expect(timeout).toBe(job['timeout-minutes']);
  });

  it('ci.yml runs the tests with the DNS servers installed', () => {
    const wf = load('ci.yml');
    expect(wf.on).toHaveProperty('push');
    expect(wf.on).toHaveProperty('pull_request');
    const run = (wf.jobs.test.steps as { run?: string }[]).map((s) => s.run ?? '').join('\n');
    for (const pkg of ['bind9', 'knot', 'nsd', 'ldnsutils', 'bind9-dnsutils', 'knot-dnsutils']) expect(run).toContain(pkg);
    expect(run).toMatch(/ZONELOG_REQUIRE_SERVERS=1 npm test/);
  });
});
