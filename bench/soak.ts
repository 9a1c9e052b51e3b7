// Soak: sustained traffic from thousands of rotating sessions against one mock with staging-like caps,
// sampling the heap (after a forced GC) as it goes. Memory should level off at what the caps allow,
// not grow with the number of requests.
//   npm run soak                     # 30 s
//   SOAK_SECONDS=120 SOAK_SESSIONS=150 npm run soak   # fewer sessions than the cap: each fills to its object cap
//   SOAK_KIND=flood SOAK_SESSIONS=200 npm run soak    # webhooks with 3.5 KB of known fields and 50 KB of unknown
//                                                     # ones: every session fills its byte caps (stored and journal)
import autocannon from 'autocannon';
import { startMock } from '../src/server.js';

const seconds = Number(process.env.SOAK_SECONDS ?? 30);
const sessionCount = Number(process.env.SOAK_SESSIONS ?? 5000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run soak does)');

const flood = process.env.SOAK_KIND === 'flood';
const LIMITS = flood
  ? { maxSessions: 200, maxObjectsPerSession: 10000, maxSessionBytes: 1048576, journalSize: 1000, journalBytes: 262144, maxIdempotencyKeysPerSession: 100 }
  : { maxSessions: 200, maxObjectsPerSession: 500, journalSize: 100, maxIdempotencyKeysPerSession: 100 };
const mock = await startMock({ host: '127.0.0.1', authMode: 'off', bodyLimitBytes: 1048576, ...LIMITS });
const junk = 'u'.repeat(Number(process.env.SOAK_UNKNOWN_BYTES ?? 50_000));
let counter = 0;
const heapMb = () => { gc(); return process.memoryUsage().heapUsed / 1048576; };
const samples: { at: number; heapMb: number; sessions: number; requests: number }[] = [];
const started = Date.now();
let requests = 0;
const timer = setInterval(() => samples.push({ at: Math.round((Date.now() - started) / 1000), heapMb: heapMb(), sessions: mock.app.mock.sessions.size, requests }), 3000);

const result = await autocannon({
  url: mock.url, connections: 10, duration: seconds,
  requests: [{
    method: 'POST',
    path: flood ? '/v1/accounts/101/webhooks' : '/v1/demand/accounts/101/projects',
    setupRequest: (request) => {
      counter += 1;
      return {
        ...request,
        headers: {
          'content-type': 'application/json', 'cint-api-version': '2025-12-18',
          'x-mock-session': `soak-${counter % sessionCount}`, 'idempotency-key': `k-${counter}`,
        },
        body: JSON.stringify(flood
          ? { url: `https://client.example/${counter}/${'p'.repeat(3500)}`, events: ['target-group-updated'], unknown_field: junk }
          : { name: `Soak project ${counter}`, project_manager_id: 'b551326b-ac9d-4d32-8823-4f025787dab9' }),
      };
    },
  }],
});
requests = result.requests.total;
clearInterval(timer);
samples.push({ at: Math.round((Date.now() - started) / 1000), heapMb: heapMb(), sessions: mock.app.mock.sessions.size, requests });
const counted = mock.app.mock.sessions.list().reduce((sum, session) => sum + session.bytes, 0);
console.log(`soak (${flood ? 'flood' : 'projects'}): ${seconds} s, ${result.requests.total} requests (${result.requests.average.toFixed(0)}/s), non-2xx ${result.non2xx} (409: session full), ${sessionCount} rotating sessions, limits ${JSON.stringify(LIMITS)}`);
console.log(`  stored data counted at the end: ${(counted / 1048576).toFixed(1)} MB in ${mock.app.mock.sessions.size} sessions`);
for (const sample of samples) console.log(`  t=${String(sample.at).padStart(3)} s  heap ${sample.heapMb.toFixed(1).padStart(6)} MB  sessions ${sample.sessions}`);
await mock.close();
