/**
 * `zonelog.config.json` (docs/architecture.md §6.2): zones and addresses never to contact, for
 * operators who ask.
 *
 *   { "exclude": { "zones": ["example."], "addresses": ["192.0.2.1"] } }
 *
 * Any other key, or a value of another type, is an error that names the key
 * (`"$comment"` may hold a note).
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
  const checked = checkShape(data);
  if (typeof checked === 'string') return { ok: false, error: `${file}: ${checked}` };
  const ex = emptyExclusions();
  for (const z of checked.zones) {
    const added = addExclusion(ex, z, 'zone');
    if (added) return { ok: false, error: `${file}: exclude.zones: ${added}` };
  }
  for (const a of checked.addresses) {
    const added = addExclusion(ex, a, 'address');
    if (added) return { ok: false, error: `${file}: exclude.addresses: ${added}` };
  }
  return { ok: true, exclusions: ex };
}

/**
 * The file's shape, checked whole: a misspelt key (`"zone"` for `"zones"`) would
 * otherwise drop the never-contact list without a word. An error names the key.
 */
function checkShape(data: unknown): { zones: string[]; addresses: string[] } | string {
  if (!isObject(data)) return 'expected a JSON object such as { "exclude": { "zones": [], "addresses": [] } }';
  const unknownTop = Object.keys(data).filter((k) => k !== 'exclude' && k !== '$comment');
  if (unknownTop.length) return `unknown key ${JSON.stringify(unknownTop[0])} (the keys are "exclude" and "$comment")`;
  const exclude = data.exclude ?? {};
  if (!isObject(exclude)) return '"exclude" must be an object with "zones" and "addresses"';
  const unknown = Object.keys(exclude).filter((k) => k !== 'zones' && k !== 'addresses');
  if (unknown.length) return `unknown key "exclude.${unknown[0]}" (the keys are "zones" and "addresses")`;
  const out = { zones: [] as string[], addresses: [] as string[] };
  for (const key of ['zones', 'addresses'] as const) {
    const v = exclude[key] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return `"exclude.${key}" must be a list of strings`;
    out[key] = v as string[];
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
