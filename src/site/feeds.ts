/**
 * Atom feeds (RFC 4287), written by the `feed` package: one for the whole
 * archive (zones that start or stop allowing transfer, and big changes) and one
 * per zone (every change). Entry ids are the events' stable ids; a feed's
 * `updated` is its newest entry's date, so an unchanged history gives the same bytes.
 */
import { Feed } from 'feed';
import { eventTitle, type ZoneEvent } from './events.js';
import { zoneHref } from './html.js';

/** At most this many entries in a feed, the newest. */
const FEED_ENTRIES = 200;

export interface FeedTarget {
  /** The site's address, ending in `/`, for absolute links; relative links without it. */
  baseUrl?: string;
}

function describe(e: ZoneEvent): string {
  const n = e.entry;
  const parts = [`Commit ${n.commit} at ${n.date}.`];
  if (n.serial !== undefined) parts.push(`Serial ${n.serial}.`);
  parts.push(`Records added ${n.added}, removed ${n.removed}${n.records !== undefined ? `, ${n.records} after` : ''}.`);
  if (!n.byZonelog) parts.push('This commit was not written by zonelog.');
  return parts.join(' ');
}

/** An Atom feed of these events (newest first). */
export function atomFeed(o: FeedTarget & { id: string; title: string; self: string; page: string; events: ZoneEvent[]; fallbackDate: string }): string {
  const base = o.baseUrl ?? '';
  const events = o.events.slice(0, FEED_ENTRIES);
  const feed = new Feed({
    id: o.id,
    title: o.title,
    link: base + o.page,
    feedLinks: { atom: base + o.self },
    updated: new Date(events[0]?.entry.date ?? o.fallbackDate),
    generator: 'zonelog',
    copyright: 'The zone data belongs to the zones\u2019 operators; published as their servers allowed transfer.',
  });
  for (const e of events) {
    feed.addItem({
      id: e.id,
      title: eventTitle(e),
      link: `${base}${zoneHref(e.zone)}`,
      date: new Date(e.entry.date),
      description: describe(e),
    });
  }
  return feed.atom1();
}
