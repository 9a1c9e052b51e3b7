// npm run test:redis: the whole suite once more, on the Redis session store. Starts a redis-server (or
// valkey-server) on a free port of 127.0.0.1 with no persistence, runs exactly `npm test`'s command (read
// from package.json, so the two never drift apart) with TEST_STORE=redis://127.0.0.1:<port>, which makes
// every app test/helpers.ts builds use that Redis under a key prefix of its own, REQUIRE_REDIS_TESTS=1 and
// CHECK_STORE_READS=1 (a read the store does not save is checked all the same), then stops Redis and
// exits with the suite's exit code. No Redis here is a failure, not a skip.
// Run with `node --import tsx` (the package.json script does): it shares test/redis-server.ts with the tests.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisBinary, redisSkip, startRedis } from '../test/redis-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const command = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.test;

if (redisSkip) {
  process.stderr.write(`test:redis: ${redisSkip}\n`);
  process.exit(1);
}

const redis = await startRedis({ persistent: false });
process.stderr.write(`test:redis: ${redisBinary} at ${redis.url}; running \`${command}\` with TEST_STORE=${redis.url}\n`);

// As npm runs a script: through sh, with the package's bin folder first on the PATH.
const suite = spawn('sh', ['-c', command], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    TEST_STORE: redis.url,
    REQUIRE_REDIS_TESTS: '1',
    // Every read the store does not serialize is checked in full: a change it would miss fails its test (sessions/redis.ts).
    CHECK_STORE_READS: '1',
    PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].filter(Boolean).join(delimiter),
  },
});

// A Ctrl-C reaches the suite from the terminal itself; a SIGTERM to this process alone is passed on,
// and Redis is stopped once the suite has gone.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => suite.kill(signal));

const [code, signal] = await new Promise((resolve) => suite.once('exit', (...exit) => resolve(exit)));
await redis.close();
if (signal) process.stderr.write(`test:redis: the suite ended on ${signal}\n`);
process.exit(code ?? 1);
