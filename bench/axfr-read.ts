/**
 * The floor of any Node AXFR client, for the AXFR benchmark: it sends the same
 * query as zonelog (built with dns-packet) and reads the server's bytes until
 * BYTES have come, doing nothing with them. What it takes is Node's start-up plus
 * the server's sending over loopback.
 *
 *   node dist/bench/axfr-read.js ZONE ADDRESS PORT BYTES
 */
import net from 'node:net';
import { axfrQuery } from '../src/axfr.js';
import { frame } from '../src/framing.js';
import { textToName } from '../src/name.js';

const [zone, host, portText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const expected = Number(bytesText);
if (!zone || !host || !(port > 0) || !(expected > 0)) {
  process.stderr.write('usage: node dist/bench/axfr-read.js ZONE ADDRESS PORT BYTES\n');
  process.exit(1);
}
let received = 0;
const socket = net.connect({ host, port, noDelay: true }, () => socket.write(frame(axfrQuery(textToName(zone), 1))));
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
