/**
 * zonelog's commit messages (docs/architecture.md §7.6), written and read. The subject says what happened to
 * whom when that fits in 72 characters (`archive: + kp. (new), ~ sy., ~ 7 more`),
 * else counts (`archive: 3 changed, 1 added, 1 removed`); the body has one line per
 * zone that changed (`~ ba. 1689197401 → 1689283801 +12 -3`), then, last, a trailer
 * block `Owners: ba. @ ns1 www` naming per zone the owners whose records were added
 * or removed, relative to the zone. `zonelog log` and `when` read these instead of
 * diffing. Older messages (a typographic minus, `  owners:` lines under a zone's
 * line) are still read: the history holds them.
 */
import type { ZoneChange } from './writer.js';
import { compareZoneNames } from './layout.js';

interface NumStat {
  added: number;
  removed: number;
}

export interface FileStat extends NumStat {
  /** Owners of the lines added and removed; absent when the whole file came or went. */
  owners?: Set<string>;
}

/**
 * Lines added and removed in a zone's file or folder, and their owners when every
 * file says; `moved` when both its single file and its folder of parts changed.
 */
function statsFor(paths: string[], stats: Map<string, FileStat>): FileStat & { moved: boolean } {
  let added = 0;
  let removed = 0;
  let owners: Set<string> | undefined = new Set();
  let inFile = false;
  let inFolder = false;
  for (const [file, n] of stats) {
    const folder = paths.some((p) => p.endsWith('/') && file.startsWith(p));
    if (!folder && !paths.includes(file)) continue;
    if (folder) inFolder = true;
    else inFile = true;
    added += n.added;
    removed += n.removed;
    if (owners && n.owners) for (const o of n.owners) owners.add(o);
    else owners = undefined;
  }
  return { added, removed, owners, moved: inFile && inFolder };
}

/** At most this many owners are listed for a zone; past it, none. */
export const MAX_LISTED_OWNERS = 64;
/** The trailer that lists a zone's owners: `Owners: ZONE OWNER…`. */
const OWNERS_TRAILER = 'Owners:';
/** The start of the older form's lines under a zone's `~` line. */
const OLD_OWNERS_LINE = '  owners:';
const MAX_SUBJECT = 72;
const WRAP = 76;

/** Whether a name's text ends with a dot that is not escaped (`a\.` ends with an escaped one). */
function absolute(text: string): boolean {
  const m = /(\\*)\.$/.exec(text);
  return m !== null && m[1]!.length % 2 === 0;
}

/** An owner relative to its zone: `@` for the apex, `ns1` for `ns1.ba.`; absolute when that would be ambiguous. */
function relativeOwner(owner: string, zone: string): string {
  if (owner === zone) return '@';
  const suffix = zone === '.' ? '.' : '.' + zone;
  if (!owner.endsWith(suffix)) return owner;
  const rel = owner.slice(0, owner.length - suffix.length);
  return rel && !absolute(rel) && !rel.endsWith('\\') ? rel : owner;
}

function absoluteOwner(token: string, zone: string): string {
  if (token === '@') return zone;
  if (absolute(token)) return token;
  return zone === '.' ? token + '.' : `${token}.${zone}`;
}

/** `Owners: ba. @ a www` trailer lines, wrapped with indented continuation lines; none when there are too many to be useful. */
function ownersTrailer(zone: string, owners: Set<string> | undefined): string[] {
  if (!owners || owners.size === 0 || owners.size > MAX_LISTED_OWNERS) return [];
  const lines: string[] = [];
  let cur = `${OWNERS_TRAILER} ${zone}`;
  const tokens = [...owners].map((o) => relativeOwner(o, zone)).sort((a, b) => (a === '@' ? -1 : b === '@' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const token of tokens) {
    if (cur.length + 1 + token.length > WRAP) {
      lines.push(cur);
      cur = ' ';
    }
    cur += (cur === ' ' ? '' : ' ') + token;
  }
  lines.push(cur);
  return lines;
}

const MARK: Record<ZoneChange['kind'], string> = { added: '+', removed: '-', changed: '~', servers: '*' };
/** The subject names zones in this order of what happened to them. */
const SUBJECT_ORDER: ZoneChange['kind'][] = ['added', 'removed', 'changed', 'servers'];

/** `archive: + kp. (new), ~ sy., ~ 7 more` when one zone at least fits in 72 characters. */
function namingSubject(sorted: ZoneChange[]): string | undefined {
  const items = SUBJECT_ORDER.flatMap((k) => sorted.filter((c) => c.kind === k));
  const item = (c: ZoneChange) => `${MARK[c.kind]} ${c.zone}${c.kind === 'added' ? ' (new)' : ''}`;
  for (let n = items.length; n >= 1; n--) {
    const rest = items.slice(n);
    const kinds = new Set(rest.map((c) => c.kind));
    const more = rest.length === 0 ? [] : [`${kinds.size === 1 ? MARK[rest[0]!.kind] + ' ' : ''}${rest.length} more`];
    const subject = `archive: ${[...items.slice(0, n).map(item), ...more].join(', ')}`;
    if (subject.length <= MAX_SUBJECT) return subject;
  }
  return undefined;
}

/** `archive: 3 changed, 1 added, 1 removed` */
function countingSubject(sorted: ZoneChange[]): string {
  const count = (k: ZoneChange['kind']) => sorted.filter((c) => c.kind === k).length;
  const changed = count('changed') + count('servers');
  const parts = [
    changed ? `${changed} changed` : '',
    count('added') ? `${count('added')} added` : '',
    count('removed') ? `${count('removed')} removed` : '',
  ].filter(Boolean);
  return `archive: ${parts.length ? parts.join(', ') : 'index updated'}`;
}

/**
 * The subject (see the top of this file); the body one line per zone:
 * `~ ba. 1689197401 → 1689283801 +12 -3` (without counts when the zone moved between
 * a file and a folder of parts), `+ newtld. 2026112701 1234 records`,
 * `- gone. refused by 4 of 4 addresses`, `* ba. 3 → 4 addresses allow transfer`;
 * then the `Owners:` trailers of the changed zones (up to MAX_LISTED_OWNERS owners
 * each): what lets `zonelog when` diff only the commits that touched a name.
 */
export function commitMessage(changes: ZoneChange[], stats: Map<string, FileStat>): { subject: string; body: string } {
  const sorted = [...changes].sort((a, b) => compareZoneNames(a.zone, b.zone));
  const subject = namingSubject(sorted) ?? countingSubject(sorted);
  const trailers: string[] = [];
  const lines = sorted.map((c) => {
    switch (c.kind) {
      case 'changed': {
        const n = statsFor(c.paths, stats);
        // A zone that moved between one file and a folder of parts: its files' counts add up
        // the lines that only moved, so none are written (readers diff the commit instead).
        if (n.moved) return `~ ${c.zone} ${c.from} → ${c.to}`;
        trailers.push(...ownersTrailer(c.zone, n.owners));
        return `~ ${c.zone} ${c.from} → ${c.to} +${n.added} -${n.removed}`;
      }
      case 'added':
        return `+ ${c.zone} ${c.serial} ${c.records} records`;
      case 'removed':
        return c.answered ? `- ${c.zone} refused by ${c.refusing} of ${c.answered} addresses` : `- ${c.zone} removed`;
      case 'servers':
        return `* ${c.zone} ${c.before} → ${c.after} addresses allow transfer`;
    }
  });
  return { subject, body: [lines.join('\n'), ...(trailers.length ? [trailers.join('\n')] : [])].join('\n\n') };
}

/** The subjects commitMessage writes: counts, or zones named (`+ kp. (new), ~ sy., ~ 7 more`). */
const COUNTING_SUBJECT = /^archive: (index updated|\d+ (changed|added|removed)(, \d+ (added|removed))*)$/;
const NAMING_ITEM = String.raw`(?:[-+~*] [^ ,]+(?: \(new\))?|(?:[-+~*] )?\d+ more)`;
const NAMING_SUBJECT = new RegExp(`^archive: ${NAMING_ITEM}(?:, ${NAMING_ITEM})*$`);

/** Whether a commit message is one that commitMessage wrote (its first line is such a subject). */
export function isZonelogMessage(body: string): boolean {
  const subject = body.split('\n', 1)[0]!;
  return COUNTING_SUBJECT.test(subject) || NAMING_SUBJECT.test(subject);
}

/** The line of a commit message that starts with MARK and the zone (`~ ba. …`), and where it ends. */
export function zoneLine(body: string, mark: string, zone: string): { line: string; end: number } | undefined {
  const needle = `${mark} ${zone} `;
  const first = body.startsWith(needle);
  const at = first ? 0 : body.indexOf('\n' + needle) + 1;
  if (at === 0 && !first) return undefined;
  const nl = body.indexOf('\n', at);
  const end = nl < 0 ? body.length : nl;
  return { line: body.slice(at, end), end };
}

/** `-3`, and the typographic `−3` of older messages. */
const REMOVED = /^[-\u2212]\d+$/;

/** The line of a zonelog commit message about this zone, if it says serial and counts. */
export function zoneCounts(body: string, zone: string): { serial: number; added: number; removed: number } | undefined {
  // `~ ZONE FROM → TO +ADDED -REMOVED`
  const changed = zoneLine(body, '~', zone)?.line.split(' ');
  if (changed && changed.length === 7 && changed[3] === '→' && /^\+\d+$/.test(changed[5]!) && REMOVED.test(changed[6]!)) {
    return { serial: Number(changed[4]), added: Number(changed[5]!.slice(1)), removed: Number(changed[6]!.slice(1)) };
  }
  // `+ ZONE SERIAL RECORDS records`: every line is new
  const added = zoneLine(body, '+', zone)?.line.split(' ');
  if (added && added.length === 5 && added[4] === 'records') return { serial: Number(added[2]), added: Number(added[3]), removed: 0 };
  return undefined;
}

/**
 * The owners a zonelog commit message lists for this zone, or undefined when it
 * does not list them (not a zonelog commit, a zone added or removed, or too many
 * owners to list). Reads the `Owners:` trailer and the older `  owners:` lines.
 */
export function listedOwners(body: string, zone: string): string[] | undefined {
  const changed = zoneLine(body, '~', zone);
  if (!changed) return undefined;
  const owners: string[] = [];
  const lines = body.split('\n');
  const head = `${OWNERS_TRAILER} ${zone}`;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== head && !lines[i]!.startsWith(head + ' ')) continue;
    const tokens = lines[i]!.slice(head.length).split(' ');
    for (let j = i + 1; j < lines.length && /^\s/.test(lines[j]!); j++) tokens.push(...lines[j]!.split(' '));
    owners.push(...tokens.filter(Boolean).map((t) => absoluteOwner(t, zone)));
  }
  if (owners.length > 0) return owners;
  for (let at = changed.end + 1; body.startsWith(OLD_OWNERS_LINE + ' ', at); ) {
    const nl = body.indexOf('\n', at);
    const end = nl < 0 ? body.length : nl;
    owners.push(
      ...body
        .slice(at + OLD_OWNERS_LINE.length + 1, end)
        .split(' ')
        .filter(Boolean),
    );
    at = end + 1;
  }
  return owners.length > 0 ? owners : undefined;
}

/** One zone's line in a zonelog commit message, read back into what it says. */
export type MessageZone =
  | { kind: 'added'; zone: string; serial: number; records: number }
  | { kind: 'changed'; zone: string; from: number; to: number; counts?: NumStat }
  | { kind: 'removed'; zone: string; refusing?: number; answered?: number }
  | { kind: 'servers'; zone: string; before: number; after: number };

const MARKS: Record<string, MessageZone['kind']> = { '+': 'added', '~': 'changed', '-': 'removed', '*': 'servers' };
/** From one serial or count to the next: `→`, or `->` in ASCII. */
const ARROWS = ['→', '->'];

/**
 * Every zone line of a zonelog commit message (the lines commitMessage writes,
 * not the subject nor the owners under them), in the message's order. Lines that
 * do not read as such are left out; an empty list for any other message.
 */
export function messageZones(body: string): MessageZone[] {
  if (!isZonelogMessage(body)) return [];
  const out: MessageZone[] = [];
  for (const line of body.split('\n').slice(1)) {
    const f = line.split(' ');
    const kind = MARKS[f[0]!];
    const zone = f[1];
    if (!kind || !zone || !zone.endsWith('.')) continue;
    const n = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
    if (kind === 'added' && f.length === 5 && f[4] === 'records' && n(f[2]) !== undefined && n(f[3]) !== undefined) {
      out.push({ kind, zone, serial: n(f[2])!, records: n(f[3])! });
    } else if (kind === 'changed' && ARROWS.includes(f[3]!) && n(f[2]) !== undefined && n(f[4]) !== undefined) {
      const said = zoneCounts(body, zone);
      out.push({ kind, zone, from: n(f[2])!, to: n(f[4])!, ...(said ? { counts: { added: said.added, removed: said.removed } } : {}) });
    } else if (kind === 'removed') {
      // `- gone. refused by 4 of 4 addresses` or `- gone. removed`
      const by = f.length === 8 && f[2] === 'refused' && f[3] === 'by' && f[5] === 'of';
      out.push(by && n(f[4]) !== undefined && n(f[6]) !== undefined ? { kind, zone, refusing: n(f[4])!, answered: n(f[6])! } : { kind, zone });
    } else if (kind === 'servers' && ARROWS.includes(f[3]!) && n(f[2]) !== undefined && n(f[4]) !== undefined) {
      out.push({ kind, zone, before: n(f[2])!, after: n(f[4])! });
    }
  }
  return out;
}
