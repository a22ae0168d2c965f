/**
 * What a reader of the archive wants to be told: a zone started leaking (its
 * servers began to allow transfer), stopped, or changed by many records. Each
 * event has an id that depends only on the zone, the kind and the commit, so a
 * feed reader that saw it once does not show it again after a rebuild.
 */
import { createHash } from 'node:crypto';
import type { TimelineEntry, ZoneTimeline } from './timeline.js';

export type EventKind = 'started' | 'stopped' | 'changed';

export interface ZoneEvent {
  id: string;
  kind: EventKind;
  zone: string;
  entry: TimelineEntry;
}

/** A stable Atom id: a name-based UUID (RFC 9562 §5.5, from SHA-1) of the kind, the zone and the commit. */
export function eventId(kind: EventKind, zone: string, commit: string): string {
  const h = createHash('sha1').update(`zonelog\0${kind}\0${zone}\0${commit}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * A zone's events, oldest first: every start and stop, and the changes of more
 * than `minChange` records added plus removed (every change with 0).
 */
export function zoneEvents(t: ZoneTimeline, minChange: number): ZoneEvent[] {
  const out: ZoneEvent[] = [];
  for (const entry of t.entries) {
    const kind: EventKind | undefined =
      entry.kind === 'added'
        ? 'started'
        : entry.kind === 'removed'
          ? 'stopped'
          : entry.kind === 'changed' && entry.added + entry.removed > minChange
            ? 'changed'
            : undefined;
    if (kind) out.push({ id: eventId(kind, t.zone, entry.commit), kind, zone: t.zone, entry });
  }
  return out;
}

/** Every zone's events, newest first (ties by zone). */
export function archiveEvents(zones: Iterable<ZoneTimeline>, minChange: number): ZoneEvent[] {
  const all: ZoneEvent[] = [];
  for (const t of zones) all.push(...zoneEvents(t, minChange));
  return all.sort((a, b) => (a.entry.date !== b.entry.date ? (a.entry.date < b.entry.date ? 1 : -1) : a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
}

/** One line that says what happened. */
export function eventTitle(e: ZoneEvent): string {
  const n = e.entry;
  switch (e.kind) {
    case 'started':
      return `${e.zone} can be transferred: serial ${n.serial ?? '?'}, ${n.records ?? n.added} records`;
    case 'stopped':
      return `${e.zone} can no longer be transferred` + (n.refusal ? ` (refused by ${n.refusal.refusing} of ${n.refusal.answered} addresses)` : '');
    case 'changed':
      return `${e.zone} changed: +${n.added} -${n.removed} records, serial ${n.serial ?? '?'}`;
  }
}
