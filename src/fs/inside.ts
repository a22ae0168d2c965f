/**
 * Opening a file named by untrusted input (a results directory's report) so that
 * it can only be a regular file inside a given directory: the name is a relative
 * path without `.`/`..` parts, no part is a symbolic link, the file is opened
 * without following a link and without blocking (a FIFO would wait forever), and
 * its type and size are checked on the open descriptor, not on the name.
 */
import fs from 'node:fs';
import path from 'node:path';

export type OpenedInside = { ok: true; fd: number; size: number } | { ok: false; error: string };

/** Characters allowed in one part of a relative name; anything else is refused. */
const PART = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Whether `rel` is a plain relative path: parts of [A-Za-z0-9._-], none `.` or `..`. */
export function isPlainRelative(rel: string): boolean {
  if (rel.length === 0 || rel.length > 1024) return false;
  return rel.split('/').every((p) => PART.test(p) && p !== '.' && p !== '..');
}

/** Folders already found to be real folders (not links), and the real path of each root: a scan has thousands of files in one folder. */
const REAL_FOLDERS = new Set<string>();
const REAL_ROOTS = new Map<string, string>();

/** Opens `root/rel` for reading when it is a regular file of at most `maxBytes` inside `root`. */
export function openInside(root: string, rel: string, maxBytes: number): OpenedInside {
  if (!isPlainRelative(rel)) return { ok: false, error: `${JSON.stringify(rel)} is not a plain relative path` };
  const parts = rel.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    if (REAL_FOLDERS.has(dir)) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      return { ok: false, error: `${rel}: ${path.relative(root, dir)} is missing` };
    }
    if (!st.isDirectory()) return { ok: false, error: `${rel}: ${path.relative(root, dir)} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}` };
    REAL_FOLDERS.add(dir);
  }
  let fd: number;
  try {
    fd = fs.openSync(path.join(root, rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, error: `${rel} is a symbolic link` };
    if (code === 'ENOENT') return { ok: false, error: `${rel} is missing` };
    return { ok: false, error: `${rel} cannot be opened (${code ?? (e as Error).message})` };
  }
  const st = fs.fstatSync(fd);
  const refuse = (error: string): OpenedInside => {
    fs.closeSync(fd);
    return { ok: false, error };
  };
  if (!st.isFile()) return refuse(`${rel} is not a regular file`);
  if (st.size > maxBytes) return refuse(`${rel} is larger than ${maxBytes} bytes`);
  // Where the descriptor really points (Linux): inside the real root, whatever a rename did meanwhile.
  try {
    const real = fs.readlinkSync(`/proc/self/fd/${fd}`);
    let realRoot = REAL_ROOTS.get(root);
    if (realRoot === undefined) REAL_ROOTS.set(root, (realRoot = fs.realpathSync(root)));
    if (!real.startsWith(realRoot + path.sep)) return refuse(`${rel} is outside ${root}`);
  } catch {
    /* no /proc: the checks on the name above stand */
  }
  return { ok: true, fd, size: st.size };
}

/** The whole file (at most `maxBytes`) as bytes, or why not. */
export function readInside(root: string, rel: string, maxBytes: number): { ok: true; bytes: Buffer } | { ok: false; error: string } {
  const o = openInside(root, rel, maxBytes);
  if (!o.ok) return o;
  try {
    return { ok: true, bytes: fs.readFileSync(o.fd) };
  } finally {
    fs.closeSync(o.fd);
  }
}
