/**
 * Domain names as raw label bytes.
 *
 * A name is held in uncompressed wire form (RFC 1035 §3.1): a sequence of
 * length-prefixed labels ending in the zero-length root label. Label bytes are
 * kept exactly as received: a dot inside a label, a space or a byte ≥ 0x80
 * stays one byte of one label, and is only escaped when the name is printed.
 */

/** RFC 1035 §2.3.4: a name is at most 255 octets in wire form, a label at most 63. */
export const MAX_NAME_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;

export const ROOT: Buffer = Buffer.from([0]);

/** A name that does not fit the rules of RFC 1035 §2.3.4 / §4.1.4. */
export class NameError extends Error {
  override name = 'NameError';
}

/**
 * Checks that `buf` holds exactly one uncompressed name (no pointers) and
 * returns its length, or throws NameError.
 */
export function nameLength(buf: Uint8Array, offset = 0): number {
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) throw new NameError('name runs past the end of its data');
    const len = buf[pos]!;
    if (len === 0) {
      const total = pos + 1 - offset;
      if (total > MAX_NAME_LENGTH) throw new NameError(`name longer than ${MAX_NAME_LENGTH} octets`);
      return total;
    }
    if (len > MAX_LABEL_LENGTH) throw new NameError(`label type 0x${(len & 0xc0).toString(16)} where an uncompressed label was expected`);
    pos += 1 + len;
    if (pos - offset > MAX_NAME_LENGTH) throw new NameError(`name longer than ${MAX_NAME_LENGTH} octets`);
  }
}

/** The labels of a wire-form name, leftmost first, without the root label. */
export function labels(name: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const len = name[pos]!;
    if (len === 0) return out;
    out.push(Buffer.from(name.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
}

/** Builds a wire-form name from labels (leftmost first). */
export function fromLabels(parts: readonly Uint8Array[]): Buffer {
  let size = 1;
  for (const l of parts) {
    if (l.length === 0 || l.length > MAX_LABEL_LENGTH) throw new NameError(`label of ${l.length} octets`);
    size += 1 + l.length;
  }
  if (size > MAX_NAME_LENGTH) throw new NameError(`name longer than ${MAX_NAME_LENGTH} octets`);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const l of parts) {
    out[pos++] = l.length;
    out.set(l, pos);
    pos += l.length;
  }
  out[pos] = 0;
  return out;
}

export function labelCount(name: Uint8Array): number {
  let n = 0;
  let pos = 0;
  while (name[pos]! !== 0) {
    n++;
    pos += 1 + name[pos]!;
  }
  return n;
}

/** RFC 4034 §6.2 (2): uppercase US-ASCII letters become lowercase; nothing else changes. */
export function lowerName(name: Uint8Array): Buffer {
  const out = Buffer.from(name);
  lowerInPlace(out, 0, out.length);
  return out;
}

/** Lowercases ASCII letters of a wire name in place, between start and end. Length octets are < 64 and never letters. */
export function lowerInPlace(buf: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) buf[i] = c | 0x20;
  }
}

export function hasUpper(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

/*
 * Presentation (RFC 1035 §5.1, docs/architecture.md §3): printable ASCII as itself, `.`, `\` and `"`
 * escaped with a backslash, and \DDD for bytes outside 0x21–0x7e and for the bytes that
 * are special at the start of or inside a master-file token: space ( ) ; @ $.
 */
const LABEL_ESCAPE: string[] = (() => {
  const table: string[] = [];
  for (let b = 0; b < 256; b++) {
    const ch = String.fromCharCode(b);
    if (b === 0x2e || b === 0x5c || b === 0x22) table.push('\\' + ch);
    else if (b <= 0x20 || b >= 0x7f || ch === '(' || ch === ')' || ch === ';' || ch === '@' || ch === '$') {
      table.push('\\' + String(b).padStart(3, '0'));
    } else table.push(ch);
  }
  return table;
})();

const PLAIN_LABEL_BYTE: boolean[] = LABEL_ESCAPE.map((s) => s.length === 1);

/** The absolute presentation form of a wire name: `.` for the root, otherwise every label followed by a dot. */
export function nameToText(name: Buffer, offset = 0): string {
  let pos = offset;
  let len = name[pos]!;
  if (len === 0) return '.';
  let out = '';
  while (len !== 0) {
    const start = pos + 1;
    const end = start + len;
    let plain = true;
    for (let i = start; i < end; i++) {
      if (!PLAIN_LABEL_BYTE[name[i]!]) {
        plain = false;
        break;
      }
    }
    if (plain) out += latin1(name, start, end);
    else for (let i = start; i < end; i++) out += LABEL_ESCAPE[name[i]!];
    out += '.';
    pos = end;
    len = name[pos]!;
  }
  return out;
}

function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/**
 * The sort key of a name in RFC 4034 §6.1 canonical order, as bytes whose plain
 * byte-wise comparison gives that order:
 *   - labels from the rightmost (closest to the root) to the leftmost,
 *   - each label's bytes lowercased, with 0x00 written as 01 01 and 0x01 as 01 02,
 *     so that no label byte is 0x00 and the order of bytes is kept,
 *   - a 0x00 after each label, so a label sorts before any longer label it prefixes,
 *   - a final 0x00, so a name sorts before every name below it.
 * The key is self-delimiting: no key is a proper prefix of another.
 */
export function writeNameKey(name: Uint8Array, out: Uint8Array, at: number): number {
  const starts = new Int32Array(Math.max(128, name.length));
  return writeLabelsKey(name, starts, labelStarts(name, 0, starts), out, at);
}

/**
 * The writeNameKey bytes of the first `count` labels of a name, whose starts in
 * `buf` are `starts` (labelStarts): the labels below a zone's, for a name in it.
 */
export function writeLabelsKey(buf: Uint8Array, starts: Int32Array, count: number, out: Uint8Array, at: number): number {
  let o = at;
  for (let i = count - 1; i >= 0; i--) {
    const s = starts[i]!;
    const end = s + 1 + buf[s]!;
    for (let j = s + 1; j < end; j++) {
      let c = buf[j]!;
      if (c <= 1) {
        out[o++] = 1;
        out[o++] = c + 1;
        continue;
      }
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      out[o++] = c;
    }
    out[o++] = 0;
  }
  out[o++] = 0;
  return o;
}

/** Worst case size of a name key: every byte escaped to two, plus terminators. */
export function maxNameKeyLength(name: Uint8Array): number {
  return name.length * 2 + 2;
}

export function nameKey(name: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(maxNameKeyLength(name));
  return buf.subarray(0, writeNameKey(name, buf, 0));
}

/**
 * RFC 4034 §6.1 comparison, written directly from the text of the RFC (labels
 * compared right to left as case-folded unsigned byte strings, absence of a label
 * sorting first). Used by tests as the reference for `nameKey`.
 */
export function compareCanonical(a: Uint8Array, b: Uint8Array): number {
  const la = labels(a).map((l) => lowerName(l));
  const lb = labels(b).map((l) => lowerName(l));
  for (let i = 1; ; i++) {
    const x = la[la.length - i];
    const y = lb[lb.length - i];
    if (x === undefined) return y === undefined ? 0 : -1;
    if (y === undefined) return 1;
    const c = Buffer.compare(x, y);
    if (c !== 0) return c;
  }
}

/** True when `name` (or the name at name[start..end]) is `zone` or below it (labels compared case-insensitively, RFC 4343). */
export function isInZone(name: Uint8Array, zone: Uint8Array, start = 0, end = name.length): boolean {
  const nl = end - start;
  const zl = zone.length;
  if (nl < zl) return false;
  const off = start + nl - zl;
  // The suffix must start on a label boundary.
  let pos = start;
  while (pos < off) {
    const len = name[pos]!;
    if (len === 0) return false;
    pos += 1 + len;
  }
  if (pos !== off) return false;
  for (let i = 0; i < zl; i++) {
    let a = name[off + i]!;
    let b = zone[i]!;
    if (a >= 0x41 && a <= 0x5a) a |= 0x20;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (a !== b) return false;
  }
  return true;
}

/**
 * Parses a presentation-form name (RFC 1035 §5.1 escapes: `\X` and `\DDD`).
 * Relative names are taken relative to `origin` (wire form); `@` is the origin.
 * Throws NameError on anything that is not a valid name.
 */
export function textToName(text: string, origin: Uint8Array = ROOT): Buffer {
  if (text === '@') return Buffer.from(origin);
  if (text === '.') return Buffer.from(ROOT);
  if (text.length === 0) throw new NameError('empty name');
  const parts: Buffer[] = [];
  let cur: number[] = [];
  let absolute = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) {
      const d = text.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new NameError(`escape \\${d} is over 255 in ${JSON.stringify(text)}`);
        cur.push(v);
        i += 3;
      } else if (/^[0-9]/.test(d)) {
        // RFC 1035 §5.1: a digit after a backslash starts exactly three digits.
        throw new NameError(`bad escape \\${d} in ${JSON.stringify(text)}`);
      } else if (i + 1 < text.length) {
        const c = text.charCodeAt(i + 1);
        if (c > 0xff) throw new NameError(`character outside Latin-1 in ${JSON.stringify(text)}`);
        cur.push(c);
        i += 1;
      } else throw new NameError(`dangling backslash in ${JSON.stringify(text)}`);
    } else if (ch === 0x2e) {
      if (cur.length === 0) throw new NameError(`empty label in ${JSON.stringify(text)}`);
      parts.push(Buffer.from(cur));
      cur = [];
      if (i === text.length - 1) absolute = true;
    } else {
      if (ch > 0xff) throw new NameError(`character outside Latin-1 in ${JSON.stringify(text)}`);
      cur.push(ch);
    }
  }
  if (cur.length > 0) parts.push(Buffer.from(cur));
  for (const p of parts) if (p.length > MAX_LABEL_LENGTH) throw new NameError(`label longer than ${MAX_LABEL_LENGTH} octets in ${JSON.stringify(text)}`);
  if (absolute) return fromLabels(parts);
  return fromLabels([...parts, ...labels(origin)]);
}

/** A name's text as the canonical text prints it (lowercase, escaped, absolute). */
export function canonicalText(name: string): string {
  return nameToText(lowerName(textToName(name.endsWith('.') ? name : name + '.')));
}

/** LABEL_ESCAPE as bytes: each byte's presentation, 1 to 4 characters. */
const LABEL_ESCAPE_BYTES: Uint8Array[] = LABEL_ESCAPE.map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));

/**
 * `nameToText` written as bytes into `out` at `at`, of the uncompressed name at
 * `buf[pos]`, ASCII letters lowercased first when `lower` is set (the text of
 * `lowerName`). The name must be well formed (`nameLength`); `out` must have room
 * for 4 bytes per byte of the name. Returns the position after the text.
 */
export function writeNameText(buf: Uint8Array, pos: number, out: Uint8Array, at: number, lower: boolean): number {
  let len = buf[pos]!;
  if (len === 0) {
    out[at] = 0x2e;
    return at + 1;
  }
  while (len !== 0) {
    const end = pos + 1 + len;
    for (let i = pos + 1; i < end; i++) {
      let c = buf[i]!;
      if (lower && c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (PLAIN_LABEL_BYTE[c]) out[at++] = c;
      else {
        const e = LABEL_ESCAPE_BYTES[c]!;
        for (let k = 0; k < e.length; k++) out[at++] = e[k]!;
      }
    }
    out[at++] = 0x2e;
    pos = end;
    len = buf[pos]!;
  }
  return at;
}

/**
 * The length of the one uncompressed name that fills buf[start..end] exactly, by
 * the rules of `nameLength`; -1 if it is not one (too long, a label type other
 * than 00, running past `end`, or bytes left after it).
 */
export function wholeNameLength(buf: Uint8Array, start: number, end: number): number {
  let pos = start;
  for (;;) {
    if (pos >= end) return -1;
    const len = buf[pos]!;
    if (len === 0) {
      const total = pos + 1 - start;
      return total <= MAX_NAME_LENGTH && pos + 1 === end ? total : -1;
    }
    if (len > MAX_LABEL_LENGTH) return -1;
    pos += 1 + len;
    if (pos - start > MAX_NAME_LENGTH) return -1;
  }
}

/** Where the labels of the name at buf[start] begin, leftmost first, into `starts`; returns their number. The name must be well formed. */
export function labelStarts(buf: Uint8Array, start: number, starts: Int32Array): number {
  let n = 0;
  let pos = start;
  while (buf[pos]! !== 0) {
    starts[n++] = pos;
    pos += 1 + buf[pos]!;
  }
  return n;
}
