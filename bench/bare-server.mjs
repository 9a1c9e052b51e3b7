// The baseline for `npm run bench`: a bare Fastify server, started in its own process the way the mock
// is (`node dist/src/cli.js`), so both pay for Node's start and their own module loading.
//   node bench/bare-server.mjs [PORT] [--log]     # or PORT=N; 0 (the default) picks a free port
// GET /ok answers 200 (the cold start's first answer). GET /v1/demand/accounts/:account_id/projects/:project_id
// answers a fixed 503 shaped like Cint's (the envelope and Retry-After), the work a scripted error is
// measured against. GET /v1/demand/accounts/:account_id/projects answers a fixed page of 10 projects
// shaped like the mock's list (about 4.3 KB), serialized per request as Fastify does any object: what a
// list page costs any server, whatever it does to find the page. POST to the same path answers 202 with a
// new id, as the mock's create_project does: the bench sends it the POSTs that fill the mock's session
// before a read, for the side-by-side reading that gives both servers the same requests beforehand.
// --log: Fastify's request logging (a line per request and one per response) at info, written to stderr,
// the stream the mock's CLI gives pino; without it there is no logger, Fastify's default.
// When it is ready it prints one JSON line on stdout, as the mock's CLI does: {"event":"listening","url":…,"port":…}.
import Fastify from 'fastify';

const args = process.argv.slice(2);
const log = args.includes('--log');
const unknown = args.filter((arg) => arg.startsWith('-') && arg !== '--log');
const raw = args.find((arg) => !arg.startsWith('-')) ?? process.env.PORT ?? '0';
if (unknown.length > 0 || !/^\d+$/.test(raw)) {
  process.stderr.write(`bare-server: usage: node bench/bare-server.mjs [PORT] [--log] (got ${JSON.stringify(args)})\n`);
  process.exit(1);
}

const UNAVAILABLE = Object.freeze({
  id: '5f0f8c5e-6a1c-4c47-9a5e-0d8a3f6f4b21',
  object: 'service_unavailable_error',
  detail: 'the service is temporarily unavailable, retry after the delay in Retry-After',
});

// Ten projects as list_account_projects shows them; built once.
const PAGE = Object.freeze({
  projects: Array.from({ length: 10 }, (_, index) => ({
    id: `01KBENCH${String(index).padStart(18, '0')}`,
    human_readable_id: `BNCH${String(index).padStart(2, '0')}`,
    account_id: 101,
    name: `Filler project ${index}`,
    target_group_human_readable_ids: [],
    target_group_count: 0,
    status: 'active',
    last_activity_at: '2026-12-04T10:00:00.000Z',
    statistics: {
      filling_goal: 0, current_completes: 0, current_prescreens: 0, incidence_rate_median: 0,
      length_of_interview_median_seconds: 0, conversion_rate_average: 0, drop_off_rate_average: 0,
    },
  })),
  url: '/accounts/101/projects',
  has_more: true,
  next_cursor: 'eyJzdGFydF9hZnRlciI6IjAxS0JFTkNIMDAwMDAwMDAwMDAwMDAwMDA5In0',
});

const app = Fastify({ logger: log ? { level: 'info', stream: process.stderr } : false });
app.get('/ok', async () => ({ id: '01K40T69E63BHTT9MAJYRBQ8HY', name: 'bare' }));
app.get('/v1/demand/accounts/:account_id/projects', (_request, reply) => {
  reply.send(PAGE);
});
let created = 0;
app.post('/v1/demand/accounts/:account_id/projects', (_request, reply) => {
  created += 1;
  reply.code(202).header('etag', `W/"${created}"`).send({ id: `01KBENCH${String(created).padStart(18, '0')}` });
});
app.get('/v1/demand/accounts/:account_id/projects/:project_id', (_request, reply) => {
  reply.code(503).header('retry-after', '1').send(UNAVAILABLE);
});
try {
  await app.listen({ port: Number(raw), host: '127.0.0.1' });
} catch (error) {
  process.stderr.write(`bare-server: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : Number(raw);
process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${port}`, port })}\n`);

const stop = () => app.close().then(() => process.exit(0), () => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
