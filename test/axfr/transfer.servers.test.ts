/**
 * Interop with real authoritative servers: BIND, Knot and NSD each serve, on
 * loopback, a zone of every type (test/fixtures/alltypes.zone) and a copy of the
 * real root zone; zonelog axfr's text must agree with ldns-read-zone -z of the
 * source, in content and in order, and be the same bytes from every server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonelog } from '../support/cli.js';
import fs from 'node:fs';
import path from 'node:path';
import { DENIED_TRANSFER_RCODE, SERVER_KINDS, describeServer, startServer, type RunningServer, type ServerKind } from '../support/servers.js';
import { prepareRootZone } from '../support/corpus.js';
import { ldnsLines } from '../support/ldns.js';
import { tempDir } from '../support/results.js';

const ALLTYPES = path.resolve('test/fixtures/alltypes.zone');
const DENIED = path.resolve('test/fixtures/denied.zone');

const axfr = (args: string[]) => zonelog(['axfr', ...args]);

/** Owner and type of each line, the way ldns prints them (owner lowercased by both). */
const ownerTypes = (lines: string[]) =>
  lines.map((l) => {
    const f = l.split('\t');
    return `${f[0]!.toLowerCase()} ${f[3]}`;
  });

const dir = tempDir('zonelog-interop-');
let rootFile: string;
/** Outputs by zone, flavour and server, to compare between servers. */
const outputs = new Map<string, Map<ServerKind, string>>();

beforeAll(async () => {
  rootFile = await prepareRootZone();
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const kind of SERVER_KINDS) {
  describeServer(kind, `zonelog axfr from ${kind}`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(kind, {
        zones: [
          { name: 'alltypes.test.', file: ALLTYPES, allowTransfer: true },
          { name: 'denied.test.', file: DENIED, allowTransfer: false },
          { name: '.', file: rootFile, allowTransfer: true },
        ],
      });
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    for (const [zone, source] of [
      ['alltypes.test.', () => ALLTYPES],
      ['.', () => rootFile],
    ] as const) {
      it(`${zone}: with --dnssec, equals ldns-read-zone -z of the source, in the same order`, async () => {
        const out = path.join(dir, `${kind}-${zone === '.' ? 'root' : 'alltypes'}-dnssec.zone`);
        const r = await axfr([zone, '--server', `${server.address}:${server.port}`, '--dnssec', '-o', out]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const ours = fs.readFileSync(out, 'latin1');
        const [viaLdns, sourceLdns] = await Promise.all([ldnsLines(out), ldnsLines(source())]);
        expect(viaLdns).toEqual(sourceLdns);
        // ldns keeps our order: the owner/type sequence is the one it produces
        expect(ownerTypes(ours.trimEnd().split('\n'))).toEqual(ownerTypes(viaLdns));
        record(`${zone} dnssec`, kind, ours);
      }, 120_000);

      it(`${zone}: without --dnssec, equals ldns-read-zone -z -s of the source`, async () => {
        const r = await axfr([zone, '--server', `${server.address}:${server.port}`]);
        expect(r.code).toBe(0);
        const out = path.join(dir, `${kind}-${zone === '.' ? 'root' : 'alltypes'}.zone`);
        fs.writeFileSync(out, r.stdout, 'latin1');
        expect(r.stdout).not.toMatch(/\t(RRSIG|NSEC|NSEC3)\t/);
        const [viaLdns, sourceLdns] = await Promise.all([ldnsLines(out, ['-s']), ldnsLines(source(), ['-s'])]);
        expect(viaLdns).toEqual(sourceLdns);
        // (-s also drops what the archive keeps, e.g. NSEC3PARAM: the order is checked without it)
        expect(ownerTypes(r.stdout.trimEnd().split('\n'))).toEqual(ownerTypes(await ldnsLines(out)));
        record(`${zone} plain`, kind, r.stdout);
      }, 120_000);
    }

    it(`a zone the server does not allow: exit 2, ${DENIED_TRANSFER_RCODE[kind]}, nothing written`, async () => {
      const out = path.join(dir, `${kind}-denied.zone`);
      const r = await axfr(['denied.test.', '--server', `${server.address}:${server.port}`, '-o', out, '--json']);
      expect(r.code).toBe(2);
      const outcome = JSON.parse(r.stdout);
      expect(outcome.kind).toBe(DENIED_TRANSFER_RCODE[kind] === 'REFUSED' ? 'refused' : 'notauth');
      expect(outcome.rcodeName).toBe(DENIED_TRANSFER_RCODE[kind]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${server.address}:${server.port} (${DENIED_TRANSFER_RCODE[kind]})`);
      expect(fs.existsSync(out)).toBe(false);
    });
  });
}

describe('the same bytes from every server', () => {
  it('BIND, Knot and NSD give byte-identical text for each zone', () => {
    const served = [...outputs.values()].filter((m) => m.size > 1);
    if (served.length === 0) return; // servers missing: their own describe says so
    for (const [key, byServer] of outputs) {
      const texts = [...byServer.values()];
      for (const t of texts) expect(t, key).toBe(texts[0]);
    }
    expect([...outputs.values()].every((m) => m.size === SERVER_KINDS.length) || process.env.ZONELOG_REQUIRE_SERVERS !== '1').toBe(true);
  });
});

function record(key: string, kind: ServerKind, text: string): void {
  let m = outputs.get(key);
  if (!m) outputs.set(key, (m = new Map()));
  m.set(kind, text);
}
