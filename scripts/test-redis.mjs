// npm run test:redis: the suite once more, on the Redis session store. Starts a redis-server (or
// valkey-server) on a free port of 127.0.0.1 with no persistence, runs `npm test`'s files as npm test does
// (scripts/run-tests.mjs, so the two never drift apart) with TEST_STORE=redis://127.0.0.1:<port>, which
// makes every app test/helpers.ts's makeApp builds use that Redis under a key prefix of its own,
// REQUIRE_REDIS_TESTS=1 and CHECK_STORE_READS=1 (a read the store does not save is checked all the same),
// then stops Redis and exits with the suite's exit code. No Redis here is a failure, not a skip.
// TEST_STORE reaches an app only through test/helpers.ts (makeApp, onTestStore, and appWithScenarios,
// which calls makeApp): the files of SAME_ON_ANY_STORE build none that way, so they would run here
// exactly as in npm test, and are left out. Any other file of npm test's runs, a new one too.
// Run with `node --import tsx` (the package.json script does): it shares test/redis-server.ts with the tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisBinary, redisSkip, startRedis } from '../test/redis-server.ts';
import { argumentsOf, run, testFiles } from './run-tests.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Files whose apps and processes choose their own store (or none), whatever TEST_STORE says. */
const SAME_ON_ANY_STORE = new Map([
  ['test/cli.test.ts', 'the command line, in processes of its own'],
  ['test/config.test.ts', 'configuration parsing, no app'],
  ['test/package.test.ts', 'the package, no app'],
  ['test/tls.test.ts', 'HTTPS, through startMock and the command line'],
  ['test/timeouts.test.ts', 'slow and stalled clients, through startMock'],
  ['test/request-log.test.ts', 'the log line, an app of its own'],
  ['test/scenario-faults.test.ts', 'faults on the socket, through startMock (test/scenario-lost-answer.test.ts runs on the store)'],
  ['test/admin-page.test.ts', 'the journal page in Chromium, through startMock'],
  ['test/generated-client.test.ts', 'a generated client, through startMock'],
  ['test/programmatic.test.ts', 'startMock itself, with the defaults a suite gets'],
  ['examples/client.test.ts', 'the example suite, on startMock as a user calls it'],
  ['test/testcontainers.test.ts', 'the image in a container'],
  ['test/testcontainers-python.test.ts', 'the image in a container, from Python'],
  ['test/redis-store.test.ts', 'processes on a Redis of its own'],
  ['test/redis-shared.test.ts', 'apps on a Redis of their own'],
  ['examples/python.test.ts', 'the Python example suite, against a process of its own'],
]);

const files = await testFiles();
for (const file of SAME_ON_ANY_STORE.keys()) {
  if (!files.includes(file)) throw new Error(`test:redis: ${file} (SAME_ON_ANY_STORE) is not one of npm test's files`);
  if (/\b(makeApp|appWithScenarios|onTestStore)\(/.test(readFileSync(join(root, file), 'utf8'))) {
    throw new Error(`test:redis: ${file} builds apps on TEST_STORE now (makeApp, onTestStore or appWithScenarios): take it out of SAME_ON_ANY_STORE`);
  }
}
const onStore = files.filter((file) => !SAME_ON_ANY_STORE.has(file));
// As npm test: `npm run test:redis -- test/x.test.ts --test-name-pattern=etag` runs that file alone.
const { options, files: asked } = argumentsOf(process.argv.slice(2), 'test:redis');
const offStore = asked.filter((file) => !onStore.includes(file));
if (offStore.length > 0) {
  const why = (file) => SAME_ON_ANY_STORE.get(file) ?? "not one of npm test's files";
  process.stderr.write(`test:redis: not run on the store here (npm test runs each of its files): ${offStore.map((file) => `${file} (${why(file)})`).join(', ')}\n`);
  process.exit(1);
}
const chosen = asked.length > 0 ? asked : onStore;

if (redisSkip) {
  process.stderr.write(`test:redis: ${redisSkip}\n`);
  process.exit(1);
}

const redis = await startRedis({ persistent: false });
process.stderr.write(asked.length > 0
  ? `test:redis: ${redisBinary} at ${redis.url}; running ${asked.join(', ')} with TEST_STORE=${redis.url}\n`
  : `test:redis: ${redisBinary} at ${redis.url}; running npm test's files with TEST_STORE=${redis.url} on ${onStore.length} of its `
    + `${files.length} files (the other ${SAME_ON_ANY_STORE.size} choose their own store, so they would run as in npm test)\n`);

const code = await run(options, chosen, {
  ...process.env,
  TEST_STORE: redis.url,
  REQUIRE_REDIS_TESTS: '1',
  // Every read the store does not serialize is checked in full: a change it would miss fails its test (sessions/redis.ts).
  CHECK_STORE_READS: '1',
});
await redis.close();
process.exit(code);
