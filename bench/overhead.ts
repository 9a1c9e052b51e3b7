// Benchmark: the mock's request path against a bare Fastify route, in the same run on the same machine,
// so the figure that matters is the ratio, not the absolute numbers (these machines are shared).
//   npm run bench                # 5 s per target
//   BENCH_SECONDS=10 npm run bench
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startMock } from '../src/server.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Result { name: string; requestsPerSecond: number; p99: number; non2xx: number }

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  const result = await autocannon({ url, headers, connections, duration: seconds });
  return { name, requestsPerSecond: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx };
}

const bare = Fastify();
bare.get('/ok', async () => ({ id: '01K40T69E63BHTT9MAJYRBQ8HY', name: 'bare' }));
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareAddress = bare.server.address();
const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}/ok`;

const mock = await startMock({ host: '127.0.0.1' });
const token = mock.app.mock.tokens.issue({ clientId: 'bench' }).access_token;
const headers = { authorization: `Bearer ${token}`, 'cint-api-version': '2025-12-18' };
// Fill the session with objects first: the request path must not slow down as they grow.
const created = await fetch(`${mock.url}/v1/demand/accounts/101/projects`, {
  method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': 'bench-1' },
  body: JSON.stringify({ name: 'Bench project', project_manager_id: 'b551326b-ac9d-4d32-8823-4f025787dab9' }),
});
const { id } = await created.json() as { id: string };
for (let i = 0; i < 2000; i += 1) {
  await mock.app.inject({
    method: 'POST', url: '/v1/demand/accounts/101/projects', headers: { ...headers, 'idempotency-key': `fill-${i}` },
    payload: { name: `Filler project ${i}`, project_manager_id: 'b551326b-ac9d-4d32-8823-4f025787dab9' },
  });
}

const results: Result[] = [];
results.push(await measure('bare fastify GET', bareUrl));
results.push(await measure('mock get_project_by_id', `${mock.url}/v1/demand/accounts/101/projects/${id}`, headers));
results.push(await measure('mock list_account_projects (2001 stored)', `${mock.url}/v1/demand/accounts/101/projects?page_size=10`, headers));

const base = results[0]!.requestsPerSecond;
console.log(`autocannon: ${connections} connections, ${seconds} s each, node ${process.version}`);
for (const result of results) {
  console.log(`${result.name.padEnd(44)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${String(result.p99).padStart(4)} ms  ratio ${(result.requestsPerSecond / base).toFixed(2)}  non-2xx ${result.non2xx}`);
}
await mock.close();
await bare.close();
