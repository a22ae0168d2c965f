/**
 * The floor of any Node AXFR client, for the AXFR benchmark: it sends the same
 * query as zonelog (built with dns-packet, by the zonelog build under test) and
 * reads the server's bytes until BYTES have come, doing nothing with them. What it
 * takes is Node's start-up plus the server's sending over loopback.
 *
 *   node dist/bench/axfr-read.js BUILD_SRC ZONE ADDRESS PORT BYTES
 *
 * BUILD_SRC is the dist/src folder of that build (as bench/lab-server.ts takes its lab.js).
 */
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Query from '../src/dns/query.js';
import type * as Framing from '../src/dns/framing.js';
import type * as Name from '../src/dns/name.js';

const [buildSrc, zone, host, portText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const expected = Number(bytesText);
if (!buildSrc || !zone || !host || !(port > 0) || !(expected > 0)) {
  process.stderr.write('usage: node dist/bench/axfr-read.js BUILD_SRC ZONE ADDRESS PORT BYTES\n');
  process.exit(1);
}
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(buildSrc, file)).href)) as T;
const [{ buildQuery }, { frame }, { textToName }] = await Promise.all([
  load<typeof Query>('dns/query.js'),
  load<typeof Framing>('dns/framing.js'),
  load<typeof Name>('dns/name.js'),
]);

let received = 0;
const socket = net.connect({ host, port, noDelay: true }, () => socket.write(frame(buildQuery(textToName(zone), 252 /* AXFR */, 1))));
socket.on('data', (chunk: Buffer) => {
  received += chunk.length;
  if (received >= expected) socket.destroy();
});
socket.on('close', () => {
  if (received < expected) {
    process.stderr.write(`axfr-read: ${received} of ${expected} bytes before the connection closed\n`);
    process.exitCode = 1;
  }
});
socket.on('error', (e) => {
  process.stderr.write(`axfr-read: ${e.message}\n`);
  process.exitCode = 1;
});
