/**
 * The direction of imports between the folders of src/ (docs/architecture.md §2):
 * every relative import, static or dynamic, of every source file, checked
 * against the folders its folder may import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');
const BASE = ['dns', 'fs', 'git'];

/** Folder → the other folders it may import. */
const ALLOWED: Record<string, string[]> = {
  dns: [],
  fs: [],
  git: ['fs'],
  zone: ['dns'],
  axfr: ['dns', 'zone'],
  scan: ['dns', 'fs', 'zone', 'axfr'],
  archive: ['dns', 'fs', 'zone', 'scan'],
  publish: ['dns', 'fs', 'git', 'zone', 'scan', 'archive'],
  history: ['dns', 'git', 'archive'],
  site: ['dns', 'fs', 'git', 'archive', 'history'],
  lab: [...BASE, 'zone', 'axfr', 'scan', 'archive', 'publish', 'history', 'site'],
  cli: [...BASE, 'zone', 'axfr', 'scan', 'archive', 'publish', 'history', 'site', 'lab'],
};

/** Edges outside the order, each with its reason (file → imported file). */
const EXCEPTIONS: Record<string, string> = {};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import(…)`. */
function imports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)['"](\.[^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

function edges(): { from: string; to: string }[] {
  return sources(SRC).flatMap((file) =>
    imports(fs.readFileSync(file, 'utf8')).map((spec) => ({
      from: path.relative(SRC, file),
      to: path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts'),
    })),
  );
}

const folderOf = (rel: string) => rel.split(path.sep)[0]!;

describe('imports between the folders of src/', () => {
  it('every folder of src/ has its place in the order, and imports only what it may', () => {
    const folders = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(Object.keys(ALLOWED).sort());
    const all = edges();
    expect(all.length).toBeGreaterThan(100);
    const wrong = all
      .filter(({ from, to }) => {
        const [a, b] = [folderOf(from), folderOf(to)];
        return a !== b && !ALLOWED[a]!.includes(b) && !(`${from} -> ${to}` in EXCEPTIONS);
      })
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
    for (const { to } of all) expect(fs.existsSync(path.join(SRC, to)), to).toBe(true);
  });

  it('only cli/ imports lab/', () => {
    const fromOutside = edges().filter(({ from, to }) => folderOf(to) === 'lab' && !['lab', 'cli'].includes(folderOf(from)));
    expect(fromOutside).toEqual([]);
    expect(ALLOWED.cli).toContain('lab');
    expect(
      Object.entries(ALLOWED)
        .filter(([, may]) => may.includes('lab'))
        .map(([f]) => f),
    ).toEqual(['cli']);
  });

  it('every exception is still needed', () => {
    const seen = new Set(edges().map(({ from, to }) => `${from} -> ${to}`));
    for (const e of Object.keys(EXCEPTIONS)) expect(seen.has(e), e).toBe(true);
  });

  it('finds static, type-only, re-exported, side-effect and dynamic imports', () => {
    const text =
      "import a from './a.js';\nimport type { B } from '../b/b.js';\nexport { C } from \"../c/c.js\";\nconst d = await import('../d/d.js');\nimport '../e/e.js';\nimport fs from 'node:fs';";
    expect(imports(text)).toEqual(['./a.js', '../b/b.js', '../c/c.js', '../d/d.js', '../e/e.js']);
  });
});
