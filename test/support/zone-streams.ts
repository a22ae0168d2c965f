/**
 * The zone the AXFR client tests transfer, and scripts that serve it as a server
 * would: the same records for the tests with a socket (transfer.test.ts) and
 * without one (receiver.test.ts).
 */
import type { WireRecord } from '../../src/dns/message.js';
import { type ByteScript, type Responder, smallZone } from './badserver.js';

export const SERIAL = 2024010101;
export const ZONE = smallZone('example.', SERIAL);
/** The zone as a server sends it: SOA, the records, SOA again. */
export const FULL = [...ZONE, ZONE[0]!];
export const BODY = ZONE.slice(1);
export const SOA = ZONE[0]!;

/** What the canonical text of ZONE must be, written out by hand (docs/architecture.md §5). */
export const EXPECTED = [
  'example.\t3600\tIN\tSOA\tns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300',
  'example.\t3600\tIN\tNS\tns1.example.',
  'example.\t3600\tIN\tNS\tns2.example.',
  'example.\t3600\tIN\tMX\t10 mail.example.',
  'example.\t3600\tIN\tTXT\t"v=spf1 -all"',
  'mail.example.\t3600\tIN\tA\t192.0.2.25',
  'ns1.example.\t3600\tIN\tA\t192.0.2.1',
  'ns1.example.\t3600\tIN\tAAAA\t2001:db8::1',
  'ns2.example.\t3600\tIN\tA\t192.0.2.2',
  'www.example.\t300\tIN\tTXT\t"hello world" "second"',
  '',
].join('\n');
export const EXPECTED_LINES = 10;

/** Splits records into messages: `sizes` records each (the last size repeats). Later messages drop the question when asked. */
export function messagesOf(ctx: Responder, records: WireRecord[], sizes: number | number[] = records.length, dropQuestionAfterFirst = false): Buffer[] {
  const list = typeof sizes === 'number' ? [sizes] : sizes;
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < records.length; i++) {
    const n = list[Math.min(i, list.length - 1)]!;
    const questions = dropQuestionAfterFirst && i > 0 ? [] : [ctx.question];
    out.push(ctx.response({ questions, answers: records.slice(at, at + n) }));
    at += n;
  }
  return out;
}

/** Sends the records and keeps the connection open, as BIND, NSD and Knot do. */
export function serve(records: WireRecord[], sizes?: number | number[], dropQuestionAfterFirst = false): ByteScript {
  return (ctx) => ctx.send(...messagesOf(ctx, records, sizes, dropQuestionAfterFirst));
}
