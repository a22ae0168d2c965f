/**
 * `zonelog.config.json` (docs/architecture.md §6.2): zones and addresses never to contact, for
 * operators who ask.
 *
 *   { "exclude": { "zones": ["example."], "addresses": ["192.0.2.1"] } }
 */
import fs from 'node:fs';
import net from 'node:net';
import { canonicalText } from '../dns/name.js';
import { normalizeAddress, type Exclusions } from './targets.js';

export const CONFIG_FILE = 'zonelog.config.json';

export type LoadedConfig = { ok: true; exclusions: Exclusions } | { ok: false; error: string };

export function emptyExclusions(): Exclusions {
  return { zones: new Set(), addresses: new Set() };
}

/** Reads the config file; a missing file is an empty configuration unless it was named explicitly. */
export function loadConfig(file: string, explicit: boolean): LoadedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { ok: true, exclusions: emptyExclusions() };
    return { ok: false, error: `cannot read ${file}: ${(e as Error).message}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${file} is not valid JSON: ${(e as Error).message}` };
  }
  const exclude = (data as { exclude?: { zones?: unknown; addresses?: unknown } }).exclude ?? {};
  const ex = emptyExclusions();
  for (const z of asStrings(exclude.zones)) {
    const added = addExclusion(ex, z, 'zone');
    if (added) return { ok: false, error: `${file}: ${added}` };
  }
  for (const a of asStrings(exclude.addresses)) {
    const added = addExclusion(ex, a, 'address');
    if (added) return { ok: false, error: `${file}: ${added}` };
  }
  return { ok: true, exclusions: ex };
}

/** Adds `--exclude VALUE` (an address or a zone); returns an error sentence or undefined. */
export function addExclusion(ex: Exclusions, value: string, kind?: 'zone' | 'address'): string | undefined {
  if (kind !== 'zone' && net.isIP(value)) {
    ex.addresses.add(normalizeAddress(value));
    return undefined;
  }
  if (kind === 'address') return `${JSON.stringify(value)} is not an IP address`;
  try {
    ex.zones.add(canonicalText(value));
    return undefined;
  } catch (e) {
    return `${JSON.stringify(value)} is not a zone name: ${(e as Error).message}`;
  }
}

function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
