/**
 * Parsers of command-line values. Each returns the value or throws commander's
 * InvalidArgumentError with one sentence, which the command line prints as a
 * usage error (exit 1). Numbers are bounded: a value past what the program can
 * act on (a timer longer than Node's 2^31-1 ms) is refused here, not clamped later.
 */
import { InvalidArgumentError } from 'commander';
import { parsePort } from '../dns/address.js';
import { NameError, canonicalText } from '../dns/name.js';
import { typeName, typeNumber } from '../dns/types.js';
import type { Identity } from '../publish/commit.js';

/** The longest timer Node keeps (2^31-1 ms, about 24.8 days), in whole seconds. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Seconds (fractions allowed, down to a millisecond) to milliseconds. */
export function parseSeconds(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || n < 0.001 || n > MAX_SECONDS) {
    throw new InvalidArgumentError(`expected a number of seconds from 0.001 to ${MAX_SECONDS}`);
  }
  return Math.round(n * 1000);
}

/** A whole number from 1 to `max`. */
export function countParser(max: number, min = 1): (text: string) => number {
  return (text) => {
    if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return Number(text);
  };
}

export function parsePortOption(text: string): number {
  const p = parsePort(text);
  if (p === undefined) throw new InvalidArgumentError('a port is a number from 1 to 65535');
  return p;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1e3,
  KB: 1e3,
  M: 1e6,
  MB: 1e6,
  G: 1e9,
  GB: 1e9,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
  T: 1e12,
  TB: 1e12,
  TIB: 1024 ** 4,
};
/** Sizes stay exact integers (2^53 bytes is 8 PiB). */
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

/** `1000`, `64KB`, `256MB`, `1GiB`. */
export function parseSize(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  const n = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!(n >= 1 && n <= MAX_SIZE)) throw new InvalidArgumentError('expected a size such as 1000, 64KB, 256MB or 1GiB');
  return n;
}

/**
 * A zone or owner name in presentation form (RFC 1035 §5.1), made absolute and
 * lowercase. The root is `.`; an empty name is refused (it is too easily a shell
 * variable that was not set).
 */
export function parseName(text: string, what = 'name'): string {
  if (text.trim() === '') throw new InvalidArgumentError(`an empty ${what} is not allowed (the root zone is ".")`);
  try {
    return canonicalText(text === '.' ? '.' : text);
  } catch (e) {
    if (e instanceof NameError) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(text)}: ${e.message}`);
    throw e;
  }
}

export const parseZoneName = (text: string): string => parseName(text, 'zone name');

/** An RR type mnemonic or RFC 3597 `TYPEnnn`, as the canonical text writes it. */
export function parseType(text: string): string {
  const n = typeNumber(text);
  if (n === undefined) throw new InvalidArgumentError(`unknown record type ${JSON.stringify(text)} (a mnemonic such as NS or AAAA, or TYPEnnn)`);
  return typeName(n);
}

/** `Name <email>`: a commit's author. */
export function parseIdentity(text: string): Identity {
  const m = /^\s*([^<>\n]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!m) throw new InvalidArgumentError(`expected "Name <email>", e.g. "zonelog <zonelog@example.org>", not ${JSON.stringify(text)}`);
  return { name: m[1]!, email: m[2]! };
}

/** `MIN-MAX` milliseconds, e.g. `20-300`. */
export function parseMsRange(text: string): { min: number; max: number } {
  const m = /^([0-9]+)-([0-9]+)$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 60_000) throw new InvalidArgumentError('expected MIN-MAX milliseconds, e.g. 20-300');
  return { min: Number(m[1]), max: Number(m[2]) };
}
