/**
 * A worker thread that checks zone files (zonefile.ts) for publish, so that the
 * texts of a scan are checked on every core: it answers each claim it is sent.
 */
import { parentPort } from 'node:worker_threads';
import { checkZoneFile, type ZoneFileClaim } from './zonefile.js';

parentPort?.on('message', (m: { id: number; claim: ZoneFileClaim }) => {
  checkZoneFile(m.claim).then(
    (result) => parentPort!.postMessage({ id: m.id, result }),
    (e: Error) => parentPort!.postMessage({ id: m.id, result: { ok: false, error: `${m.claim.file} cannot be checked (${e.message})` } }),
  );
});
