// The baseline for `npm run bench`: a bare Fastify server with one route, started in its own process
// the way the mock is (`node dist/src/cli.js`), so both pay for Node's start and their own module loading.
//   node bench/bare-server.mjs [PORT]      # or PORT=N; 0 (the default) picks a free port
// When it is ready it prints one JSON line on stdout, as the mock's CLI does: {"event":"listening","url":…,"port":…}.
import Fastify from 'fastify';

const raw = process.argv[2] ?? process.env.PORT ?? '0';
if (!/^\d+$/.test(raw)) {
  process.stderr.write(`bare-server: the port must be a number, got ${JSON.stringify(raw)}\n`);
  process.exit(1);
}

const app = Fastify();
app.get('/ok', async () => ({ id: '01K40T69E63BHTT9MAJYRBQ8HY', name: 'bare' }));
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
