/**
 * A master-file (zone file) reader, RFC 1035 §5, for what `dig AXFR`, `kdig AXFR`,
 * `ldns-read-zone`, BIND's `named-compilezone` and zonelog itself (docs/architecture.md §5) print.
 *
 * Records come out as WireRecord, the form src/dns/message.ts gives for a transfer:
 * owner in wire form with its case as written, RDATA in canonical wire form
 * (src/lab/rdata-parse.ts). Records are returned in the order written; nothing is
 * removed (the trailing SOA of a transfer listing is the caller's business).
 *
 * Supported: `$ORIGIN`, `$TTL`, relative and absolute names, `@`, an omitted owner
 * (the previous one), an omitted TTL ($TTL, else the last TTL given — RFC 2308 §4;
 * a first SOA without either takes its MINIMUM, as BIND does), an omitted class (the
 * previous one, else IN), TTL and class in either order, TTL units (`1h30m`, `1w`),
 * parentheses across lines, `;` comments, quoted strings with escapes, `\X` and
 * `\DDD`, RFC 3597 `TYPEnnn`, `CLASSnnn` and `\# LEN HEX`.
 * Refused with an error: `$INCLUDE`, `$GENERATE`, any other directive, and the meta
 * types (OPT, TSIG, TKEY, IXFR, AXFR, MAILA, MAILB, ANY).
 *
 * Text is read as bytes: a string is first encoded as UTF-8 (only when it holds
 * non-ASCII characters), a Buffer is taken as it is. Columns count bytes.
 */
import { createReadStream } from 'node:fs';
import type { WireRecord } from '../dns/message.js';
import { RdataSyntaxError, parseName, parseRdata, show, ttlValue, typeOf, type Token } from './rdata-parse.js';
import { TYPE, typeName, typeNumber } from '../dns/types.js';

export interface ZoneTextOptions {
  /** The origin for relative names and `@` until a `$ORIGIN` (wire form). */
  origin?: Buffer;
  /** The file name used in error messages. */
  file?: string;
}

export type ZoneTextResult = { ok: true; records: WireRecord[] } | { ok: false; error: string };

/** A syntax error, its message `file:line:col: detail`. */
export class ZoneSyntaxError extends Error {
  override name = 'ZoneSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`);
  }
}

/** Types that only exist in queries and messages, never in a zone. */
const META_TYPES: ReadonlySet<number> = new Set([TYPE.OPT, TYPE.TKEY, TYPE.TSIG, TYPE.IXFR, TYPE.AXFR, TYPE.MAILB, TYPE.MAILA, TYPE.ANY]);

/* Character classes outside a token. */
const K_ORD = 0;
const K_WS = 1;
const K_NL = 2;
const K_SEMI = 3;
const K_LP = 4;
const K_RP = 5;
const K_QUOTE = 6;
const KIND = new Uint8Array(256);
KIND[0x20] = K_WS;
KIND[0x09] = K_WS;
KIND[0x0d] = K_WS;
KIND[0x0a] = K_NL;
KIND[0x3b] = K_SEMI;
KIND[0x28] = K_LP;
KIND[0x29] = K_RP;
KIND[0x22] = K_QUOTE;
/** Characters that end an unquoted token (a quote only does so as `key="..."` below). */
const STOP = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0d, 0x0a, 0x3b, 0x28, 0x29, 0x22]) STOP[c] = 1;

const NON_ASCII = /[^\x00-\x7f]/;

/** A string as bytes, one char per byte (UTF-8 for non-ASCII characters). */
function toBinary(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

function classNumber(text: string, next: Token | undefined): number | undefined {
  if (text === 'IN') return 1;
  const u = text.toUpperCase();
  switch (u) {
    case 'IN':
      return 1;
    case 'CS':
      return 2;
    case 'CH':
    case 'CHAOS':
      return 3;
    case 'HS':
    case 'HESIOD':
      return 4;
    case 'NONE':
    case 'ANY':
      // Also type names (ANY): a class only when a type follows.
      return next && !next.quoted && typeNumber(next.text) !== undefined ? (u === 'NONE' ? 254 : 255) : undefined;
  }
  const m = /^CLASS([0-9]{1,5})$/.exec(u);
  return m && Number(m[1]) <= 65535 ? Number(m[1]) : undefined;
}

/**
 * A zone reader that takes its text in chunks (`push`, then `end`) and returns the
 * records each chunk completes. Throws ZoneSyntaxError on the first error.
 */
export class ZoneReader {
  readonly file: string;
  private origin: Buffer | undefined;
  private defaultTtl: number | undefined;
  private lastTtl: number | undefined;
  private lastClass: number | undefined;
  private lastOwner: Buffer | undefined;
  private lastOwnerText: string | undefined;
  private lastOwnerOrigin: Buffer | undefined;
  /** Line number of the first line of `pending`. */
  private line = 1;
  private pending = '';
  private heldSurrogate = '';
  private started = false;
  private readonly toks: Token[] = [];

  constructor(options: ZoneTextOptions = {}) {
    this.file = options.file ?? '<zone>';
    this.origin = options.origin ? Buffer.from(options.origin) : undefined;
  }

  /** Reads a chunk (a string, or bytes as they are in the file); returns the records it completes. */
  push(chunk: string | Buffer): WireRecord[] {
    const out: WireRecord[] = [];
    const src = this.pending + this.bytes(chunk);
    const used = this.run(src, false, out);
    this.pending = used < src.length ? src.slice(used) : '';
    return out;
  }

  /** Reads what is left after the last chunk. */
  end(): WireRecord[] {
    const out: WireRecord[] = [];
    const src = this.pending + this.flushSurrogate();
    this.pending = '';
    this.run(src, true, out);
    return out;
  }

  /** The whole text at once into `out` (parseZoneText). */
  readAll(text: string | Buffer, out: WireRecord[]): void {
    const src = this.pending + this.bytes(text);
    this.pending = '';
    this.run(src + this.flushSurrogate(), true, out);
  }

  /** A high surrogate held back at the end of the text: on its own, as UTF-8 encodes it (U+FFFD). */
  private flushSurrogate(): string {
    const s = this.heldSurrogate;
    this.heldSurrogate = '';
    return s === '' ? '' : toBinary(s);
  }

  private bytes(chunk: string | Buffer): string {
    let s: string;
    if (typeof chunk === 'string') {
      s = this.heldSurrogate + chunk;
      this.heldSurrogate = '';
      // A surrogate pair split across two chunks: keep the high half for the next one.
      const last = s.charCodeAt(s.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.heldSurrogate = s.slice(-1);
        s = s.slice(0, -1);
      }
      if (!this.started && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      s = toBinary(s);
    } else {
      s = chunk.toString('latin1');
      if (!this.started && s.startsWith('\xef\xbb\xbf')) s = s.slice(3);
    }
    if (s.length > 0) this.started = true;
    return s;
  }

  private error(line: number, col: number, detail: string): ZoneSyntaxError {
    return new ZoneSyntaxError(this.file, line, col, detail);
  }

  private at(t: Token, detail: string): ZoneSyntaxError {
    return this.error(t.line, t.col, detail);
  }

  /**
   * Tokenizes and reads every entry of `src`, which starts at a line start. Unless
   * `final`, an entry that is not complete at the end of `src` is left unread and its
   * start returned.
   */
  private run(src: string, final: boolean, out: WireRecord[]): number {
    const n = src.length;
    const toks = this.toks;
    let pos = 0;
    let line = this.line;
    let lineStart = 0;
    while (pos < n) {
      const entryPos = pos;
      const entryLine = line;
      const first = src.charCodeAt(pos);
      const indented = first === 0x20 || first === 0x09;
      let nt = 0;
      let depth = 0;
      let parenLine = 0;
      let parenCol = 0;
      scan: for (;;) {
        if (pos >= n) {
          if (!final) {
            this.line = entryLine;
            return entryPos;
          }
          if (depth > 0) throw this.error(parenLine, parenCol, "unbalanced parentheses: this '(' is never closed");
          break;
        }
        const c = src.charCodeAt(pos);
        switch (c < 256 ? KIND[c] : K_ORD) {
          case K_WS:
            pos++;
            continue;
          case K_NL:
            pos++;
            line++;
            lineStart = pos;
            if (depth === 0) break scan;
            continue;
          case K_SEMI: {
            const nl = src.indexOf('\n', pos);
            pos = nl < 0 ? n : nl;
            continue;
          }
          case K_LP:
            if (depth === 0) {
              parenLine = line;
              parenCol = pos - lineStart + 1;
            }
            depth++;
            pos++;
            continue;
          case K_RP:
            if (depth === 0) throw this.error(line, pos - lineStart + 1, "unbalanced parentheses: ')' without '('");
            depth--;
            pos++;
            continue;
          case K_QUOTE: {
            const close = this.closingQuote(src, pos + 1, line, pos - lineStart + 1, final);
            if (close < 0) {
              this.line = entryLine;
              return entryPos;
            }
            const tk = toks[nt] ?? (toks[nt] = { text: '', quoted: false, line: 0, col: 0, end: 0 });
            nt++;
            tk.text = src.slice(pos + 1, close);
            tk.quoted = true;
            tk.line = line;
            tk.col = pos - lineStart + 1;
            tk.end = close - lineStart + 2;
            pos = close + 1;
            continue;
          }
          default: {
            const start = pos;
            let q = pos;
            while (q < n) {
              const d = src.charCodeAt(q);
              if (d === 0x5c) {
                q += q + 1 < n && src.charCodeAt(q + 1) !== 0x0a ? 2 : 1;
                continue;
              }
              if (d < 256 && STOP[d] === 1) {
                if (d !== 0x22) break;
                // RFC 9460 `key="value"`: the quoted value belongs to the token.
                if (src.charCodeAt(q - 1) === 0x3d) {
                  const close = this.closingQuote(src, q + 1, line, q - lineStart + 1, final);
                  if (close < 0) {
                    this.line = entryLine;
                    return entryPos;
                  }
                  q = close + 1;
                  break;
                }
              }
              q++;
            }
            const tk = toks[nt] ?? (toks[nt] = { text: '', quoted: false, line: 0, col: 0, end: 0 });
            nt++;
            tk.text = src.slice(start, q);
            tk.quoted = false;
            tk.line = line;
            tk.col = start - lineStart + 1;
            tk.end = q - lineStart + 1;
            pos = q;
          }
        }
      }
      if (nt > 0) this.entry(toks, nt, indented, out);
    }
    this.line = line;
    return n;
  }

  /** The index of the quote that closes a string opened before `from`; -1 when the text ends first and more may come. */
  private closingQuote(src: string, from: number, line: number, col: number, final: boolean): number {
    const n = src.length;
    for (let q = from; ; q++) {
      if (q >= n) {
        if (!final) return -1;
        throw this.error(line, col, 'unterminated quoted string');
      }
      const d = src.charCodeAt(q);
      if (d === 0x22) return q;
      if (d === 0x0a) throw this.error(line, col, 'unterminated quoted string (it must close on the line it opens)');
      if (d === 0x5c) {
        if (q + 1 < n && src.charCodeAt(q + 1) === 0x0a) throw this.error(line, col, 'unterminated quoted string (it must close on the line it opens)');
        q++;
      }
    }
  }

  private name(t: Token): Buffer {
    try {
      return parseName(t.text, this.origin);
    } catch (e) {
      if (e instanceof RdataSyntaxError) throw this.at(t, e.message);
      throw e;
    }
  }

  private directive(toks: Token[], nt: number): void {
    const d = toks[0]!;
    const arg = nt > 1 ? toks[1] : undefined;
    const word = d.text.toUpperCase();
    const one = (what: string): Token => {
      if (arg === undefined) throw this.error(d.line, d.end, `${word} needs ${what}`);
      if (nt > 2) throw this.at(toks[2]!, `unexpected ${show(toks[2]!.text)} after ${word} ${arg.text}`);
      return arg;
    };
    switch (word) {
      case '$ORIGIN':
        this.origin = this.name(one('a domain name'));
        return;
      case '$TTL': {
        const t = one('a TTL');
        const v = ttlValue(t.text);
        if (v < 0) throw this.at(t, v === -2 ? `TTL ${t.text} is over 4294967295` : `bad TTL ${show(t.text)}`);
        this.defaultTtl = v;
        return;
      }
      case '$INCLUDE':
        throw this.at(d, '$INCLUDE is not supported: give the zone as one file');
      case '$GENERATE':
        throw this.at(d, '$GENERATE is not supported: expand it first (named-compilezone -o - prints the expanded zone)');
      default:
        throw this.at(d, `unknown directive ${d.text}`);
    }
  }

  /** One entry: `toks[0..nt)` (the token objects are reused from entry to entry). */
  private entry(toks: Token[], nt: number, indented: boolean, out: WireRecord[]): void {
    const t0 = toks[0]!;
    if (!indented && !t0.quoted && t0.text.charCodeAt(0) === 0x24) return this.directive(toks, nt);
    let i = 0;
    let owner: Buffer;
    if (indented) {
      if (this.lastOwner === undefined) throw this.at(t0, 'no owner name, and no record before this one to take it from');
      owner = this.lastOwner;
    } else {
      if (t0.quoted) throw this.at(t0, 'an owner name cannot be a quoted string');
      if (this.lastOwner !== undefined && t0.text === this.lastOwnerText && this.origin === this.lastOwnerOrigin) owner = this.lastOwner;
      else {
        owner = this.name(t0);
        this.lastOwnerText = t0.text;
        this.lastOwnerOrigin = this.origin;
      }
      i = 1;
    }
    let ttl = -1;
    let cls = -1;
    let type: number;
    for (;;) {
      const t = i < nt ? toks[i] : undefined;
      if (t === undefined) {
        const last = toks[nt - 1]!;
        throw this.error(last.line, last.end, 'missing type');
      }
      if (t.quoted) throw this.at(t, 'expected a TTL, class or type, found a quoted string');
      const c = t.text.charCodeAt(0);
      if (c >= 0x30 && c <= 0x39) {
        if (ttl >= 0) throw this.at(t, `unexpected ${show(t.text)}: the TTL is already given`);
        const v = ttlValue(t.text);
        if (v === -1) throw this.at(t, `bad TTL ${show(t.text)}`);
        if (v === -2) throw this.at(t, `TTL ${t.text} is over 4294967295`);
        ttl = v;
        i++;
        continue;
      }
      if (cls < 0) {
        const k = classNumber(t.text, i + 1 < nt ? toks[i + 1] : undefined);
        if (k !== undefined) {
          cls = k;
          i++;
          continue;
        }
      }
      const ty = typeOf(t.text);
      if (ty === undefined) throw this.at(t, `unknown type ${t.text}`);
      if (META_TYPES.has(ty)) throw this.at(t, `${typeName(ty)} is a meta type and cannot appear in a zone`);
      type = ty;
      i++;
      break;
    }
    let rdata: Buffer;
    try {
      rdata = parseRdata(type, toks, i, this.origin, nt);
    } catch (e) {
      if (!(e instanceof RdataSyntaxError)) throw e;
      if (e.token) throw this.at(e.token, e.message);
      const last = toks[nt - 1]!;
      throw this.error(last.line, last.end, e.message);
    }
    if (ttl >= 0) this.lastTtl = ttl;
    else if (this.defaultTtl !== undefined) ttl = this.defaultTtl;
    else if (this.lastTtl !== undefined) ttl = this.lastTtl;
    else if (type === TYPE.SOA) ttl = this.lastTtl = rdata.readUInt32BE(rdata.length - 4);
    else throw this.at(toks[i - 1]!, 'no TTL: give one here or a $TTL line before the first record');
    if (cls < 0) cls = this.lastClass ?? 1;
    this.lastClass = cls;
    this.lastOwner = owner;
    out.push({ owner, type, class: cls, ttl, rdata });
  }
}

/** Reads a whole zone text. Errors are values: `file:line:col: message`. */
export function parseZoneText(text: string | Buffer, options: ZoneTextOptions = {}): ZoneTextResult {
  const records: WireRecord[] = [];
  try {
    new ZoneReader(options).readAll(text, records);
    return { ok: true, records };
  } catch (e) {
    if (e instanceof ZoneSyntaxError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Reads a zone from a stream of chunks, yielding the records in batches. Throws ZoneSyntaxError. */
export async function* readZone(source: AsyncIterable<string | Buffer>, options: ZoneTextOptions = {}): AsyncGenerator<WireRecord[]> {
  const reader = new ZoneReader(options);
  for await (const chunk of source) {
    const records = reader.push(chunk);
    if (records.length > 0) yield records;
  }
  const rest = reader.end();
  if (rest.length > 0) yield rest;
}

/**
 * Reads a zone file in chunks, handing each batch of records to `onRecords`
 * (memory stays bounded by the caller). The error names the file.
 */
export async function readZoneFile(
  path: string,
  onRecords: (records: WireRecord[]) => void | Promise<void>,
  options: ZoneTextOptions = {},
): Promise<{ ok: true; count: number } | { ok: false; error: string }> {
  let count = 0;
  try {
    for await (const batch of readZone(createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, {
      ...options,
      file: options.file ?? path,
    })) {
      count += batch.length;
      await onRecords(batch);
    }
    return { ok: true, count };
  } catch (e) {
    if (e instanceof ZoneSyntaxError) return { ok: false, error: e.message };
    throw e;
  }
}

/**
 * The canonical wire RDATA of one record's presentation RDATA (`text` on one line or
 * in parentheses), read with the same tokenizer as a zone. Errors name `<rdata>:line:col`.
 */
export function parseRdataText(type: number, text: string, origin?: Buffer): { ok: true; rdata: Buffer } | { ok: false; error: string } {
  // Read as a record of the root with the RDATA on a line of its own (so columns are the text's own).
  const r = parseZoneText(`. 0 CLASS1 ${typeName(type)} (\n${text}\n)\n`, { origin, file: '<rdata>' });
  if (r.ok) return { ok: true, rdata: r.records[0]!.rdata };
  const m = /^<rdata>:(\d+):(\d+): (.*)$/s.exec(r.error);
  if (!m) return { ok: false, error: r.error };
  const line = Math.max(1, Number(m[1]) - 1);
  return { ok: false, error: `<rdata>:${line}:${m[2]}: ${m[3]}` };
}
