// Hostile and careless input, generated (fast-check, seeded): whatever a client sends, the mock answers
// with a status, in Cint's envelope when it is an error, never a 5xx nobody asked for, and keeps
// running. CI runs a bounded count; `npm run fuzz` runs as many as FUZZ_RUNS says (100,000 by default).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { MockApp } from '../src/app.js';
import { operations, type Operation } from '../src/cint/operations.js';
import { responseDefinitions } from '../src/cint/responses.generated.js';
import { startMock, type RunningMock } from '../src/server.js';
import { API_VERSION, ACCOUNT, clientOf, fixtures, liveRun, makeApp } from './helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
/** Raw connections: fewer, each one a socket. */
const SOCKET_RUNS = Math.max(1, Math.round(Number(process.env.FUZZ_SOCKET_RUNS ?? RUNS / 10)));
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const ENVELOPE_KEYS = new Set(['id', 'object', 'detail', 'invalid_params', 'details']);
const definitions = responseDefinitions() as Record<string, { properties?: Record<string, unknown> }>;

/** The keys an error answer may have besides the envelope's: those the operation's documented schema for the status names (the profiling 422's `title`). */
function documentedKeys(operationId: string, status: number): readonly string[] {
  const name = fixtures.operations[operationId]?.responses[String(status)]?.schemaName;
  return Object.keys((name ? definitions[name]?.properties : undefined) ?? {});
}

/** Objects the session holds, by path parameter, filled in before the run: most requests should reach a handler. */
const real: Record<string, string> = { account_id: String(ACCOUNT) };

/** A path parameter: mostly the object that exists; else a plausible id, a number, garbage, or something long. */
const segmentFor = (name: string) => fc.oneof(
  { weight: 12, arbitrary: fc.constant(name).map((param) => real[param] ?? '01K40T69E63BHTT9MAJYRBQ8HY') },
  { weight: 2, arbitrary: fc.constantFrom(String(ACCOUNT), '01K40T69E63BHTT9MAJYRBQ8HY', '0F1CE179-A917-49FF-9D50-B05FC91F7BD4', '0', '-1', '99999999999999999999') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text) => encodeURIComponent(text)) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '..', '%2e%2e', '%00', 'a'.repeat(2000), '%F0%9F%92%A9') },
);

const anyJson = fc.jsonValue({ maxDepth: 3 });

/** The operation's own example with one thing changed: a field replaced, a field added, a field dropped. */
function mutatedExample(op: Operation) {
  const entry = fixtures.operations[op.id];
  const example = (entry?.validRequestExample ?? entry?.requestExample) as unknown;
  if (example === undefined) return anyJson.map((value) => JSON.stringify(value));
  return fc.tuple(fc.nat(), anyJson, fc.constantFrom('replace', 'add', 'drop', 'deep', 'keep')).map(([pick, value, how]) => {
    const copy = structuredClone(example) as Record<string, unknown>;
    if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) return JSON.stringify(how === 'keep' ? copy : value);
    const keys = Object.keys(copy);
    const key = keys[pick % Math.max(keys.length, 1)];
    if (how === 'replace' && key !== undefined) copy[key] = value;
    if (how === 'add') copy[`unknown_${pick % 5}`] = value;
    if (how === 'drop' && key !== undefined) delete copy[key];
    if (how === 'deep') copy.deep = JSON.parse(`${'['.repeat(40 + (pick % 40))}${']'.repeat(40 + (pick % 40))}`);
    return JSON.stringify(copy);
  });
}

/** A body: the operation's example changed, JSON of any shape, JSON cut off, deep nesting, not JSON, none. */
const bodyFor = (op: Operation) => fc.oneof(
  { weight: 6, arbitrary: mutatedExample(op) },
  { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value).slice(0, -1)) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 200 }), fc.constant(''), fc.constant(undefined)) },
);

const headerValue = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('', ' ', 'null', '2025-12-18', 'W/"1"', '*', 'code=503', 'code=abc'));
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });

const request = fc.constantFrom(...operations).chain((op) => fc.record({
  operation: fc.constant(op),
  params: fc.tuple(...(op.path.match(/:[a-z_]+/g) ?? []).map((param) => segmentFor(param.slice(1)))),
  query: fc.dictionary(fc.constantFrom('page_size', 'start_after', 'end_before', 'entity_type', 'filter', 'x', 'status'), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('1', '10', '0', '1001', 'RSID')), { maxKeys: 3 }),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant(op.bodyContentType ?? 'application/json') },
    { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=x', 'text/csv', 'application/x-www-form-urlencoded', undefined) },
  ),
  headers: fc.record({
    'cint-api-version': fc.oneof({ weight: 9, arbitrary: fc.constant(API_VERSION) }, { weight: 1, arbitrary: headerValue }),
    'idempotency-key': fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 1, arbitrary: headerValue }),
    'if-match': sometimes(fc.oneof(fc.constantFrom('W/"1"', 'W/"2"', 'W/"3"', '*'), headerValue)),
    'x-mock-session': sometimes(fc.oneof(fc.constantFrom('fuzz-a', 'fuzz-b'), headerValue)),
    prefer: sometimes(fc.oneof(fc.constantFrom('code=400', 'code=404', 'code=503', 'code=429', 'code=301', 'code=422'), headerValue)),
  }, { requiredKeys: ['cint-api-version', 'idempotency-key'] }),
  body: bodyFor(op),
  token: fc.oneof({ weight: 8, arbitrary: fc.constant('valid') }, { weight: 1, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constant('garbage') }),
  method: fc.oneof({ weight: 8, arbitrary: fc.constant('own') }, { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
}));

describe('fuzzed requests', () => {
  let app: MockApp;
  let token: string;
  before(async () => {
    app = await makeApp({ watchScenarios: false, bodyLimitBytes: 65536 });
    const client = await clientOf(app, 'fuzzer');
    token = client.token;
    const made = await liveRun(app, client);
    Object.assign(real, { project_id: made.projectId, target_group_id: made.targetGroupId, fielding_run_id: made.runId });
  });
  after(() => app.close());

  it(`${RUNS} generated requests: a status, the envelope on errors, no 5xx nobody asked for (seed ${SEED})`, { timeout: 600_000 }, async () => {
    await fc.assert(fc.asyncProperty(request, async (input) => {
      let index = 0;
      const path = input.operation.path.replace(/:[a-z_]+/g, () => input.params[index++] as string);
      const query = new URLSearchParams(input.query).toString();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(input.headers)) if (value !== undefined) headers[name] = value;
      if (input.contentType) headers['content-type'] = input.contentType;
      if (input.token === 'valid') headers.authorization = `Bearer ${token}`;
      if (input.token === 'garbage') headers.authorization = 'Bearer a.b.c';
      const method = input.method === 'own' ? input.operation.method : input.method;
      const response = await app.inject({
        method: method as 'GET', url: `${path}${query ? `?${query}` : ''}`, headers,
        ...(input.body !== undefined && method !== 'GET' ? { payload: input.body } : {}),
      });
      const context = `${method} ${path} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
      assert.ok(response.statusCode >= 200 && response.statusCode <= 599, context);
      const asked = /code=5\d\d/.test(input.headers.prefer ?? '');
      assert.ok(response.statusCode < 500 || asked, `an unasked-for 5xx: ${context}`);
      if (response.statusCode >= 400) {
        const parsed = JSON.parse(response.body) as Record<string, unknown>;
        const documented = documentedKeys(input.operation.id, response.statusCode);
        assert.deepEqual(Object.keys(parsed).filter((key) => !ENVELOPE_KEYS.has(key) && !documented.includes(key)), [], `not the envelope: ${context}`);
        assert.equal(typeof parsed.object, 'string', context);
        assert.equal(typeof parsed.detail, 'string', context);
      }
    }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
    // Still answering.
    const health = await app.inject({ method: 'GET', url: '/__admin/health' });
    assert.equal(health.statusCode, 200);
  });
});

/**
 * The HTTP/1.1 answers read off a byte stream: status, headers, body (by Content-Length or chunked).
 * `methods` are the requests' methods in order: an answer to a HEAD has no body whatever its headers say.
 */
function readAnswers(text: string, methods: string[]): { status: number; headers: Record<string, string>; body: string }[] {
  const answers: { status: number; headers: Record<string, string>; body: string }[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    assert.ok(rest.startsWith('HTTP/1.1 ') && end > 0, `not an HTTP answer: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
    rest = rest.slice(end + 4);
    // An interim answer (100 Continue to an Expect) has no body and is not the request's answer.
    if (/^HTTP\/1\.1 1\d\d /.test(statusLine!)) continue;
    let body = '';
    if (methods[answers.length] === 'HEAD' && (rest === '' || rest.startsWith('HTTP/1.1 '))) {
      // No body follows (a HEAD refused as not HTTP at all gets one, which the test above lets through).
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      body = rest.slice(0, length);
      rest = rest.slice(length);
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        const size = parseInt(rest.slice(0, lineEnd), 16);
        rest = rest.slice(lineEnd + 2);
        if (size === 0) { rest = rest.slice(2); break; }
        body += rest.slice(0, size);
        rest = rest.slice(size + 2);
      }
    }
    answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
  }
  return answers;
}

describe('fuzzed connections (real socket)', () => {
  let mock: RunningMock;
  let requestHeaders: string;
  before(async () => {
    mock = await startMock({ watchScenarios: false, bodyLimitBytes: 65536, headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    requestHeaders = Object.entries(mock.headers('socket-fuzzer')).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  });
  after(() => mock.close());

  const line = fc.oneof(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'BREW', 'G ET', '').chain((method) => fc.record({
      method: fc.constant(method),
      target: fc.oneof(fc.constantFrom(...operations.map((op) => op.path.replace(/:[a-z_]+/g, String(ACCOUNT)))), fc.string({ maxLength: 60 }), fc.constantFrom('*', 'http://example.com/x', '/%', '/\u0000')),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'http/1.1', ''),
    })).map(({ method, target, version }) => `${method} ${target} ${version}`),
    fc.string({ maxLength: 80 }),
  );
  const headerLines = fc.array(fc.oneof(
    fc.constantFrom('host: localhost', 'content-type: application/json', 'content-length: 5', 'content-length: -1', 'content-length: 99999999',
      'content-length: abc', 'transfer-encoding: chunked', 'transfer-encoding: gzip', 'expect: 100-continue', 'connection: close', 'x-mock-session: fuzz'),
    fc.string({ maxLength: 60 }).map((text) => `x-fuzz: ${text}`),
    fc.string({ maxLength: 60 }),
  ), { maxLength: 6 });
  const rawRequest = fc.record({ line, headers: headerLines, auth: fc.boolean(), body: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('', '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', '{"name":"x"}')) })
    .map(({ line: first, headers, auth, body }) => `${first}\r\n${auth ? requestHeaders : ''}${headers.map((header) => `${header}\r\n`).join('')}\r\n${body}`);

  it(`${SOCKET_RUNS} generated connections: each gets an answer, every error in the envelope (seed ${SEED})`, { timeout: 600_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.array(rawRequest, { minLength: 1, maxLength: 3 }), async (requests) => {
      const bytes = requests.join('');
      const socket = connect(mock.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => { received += chunk; });
      socket.on('error', () => undefined);
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.end(bytes, 'latin1');
      // The timeouts (2 s) bound a request that never completes; a little more, and no answer is a failure.
      const done = await Promise.race([closed.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 4000))]);
      socket.destroy();
      assert.ok(done, `the connection was still open after 4 s: ${JSON.stringify(bytes.slice(0, 200))}`);
      // Empty lines before a request line are skipped (RFC 9112 2.2): only them is no request, nothing to answer.
      if (/^[\r\n]*$/.test(bytes)) return;
      assert.ok(received.length > 0, `no answer to ${JSON.stringify(bytes.slice(0, 300))}`);
      for (const answer of readAnswers(received, requests.map((request) => request.split(' ')[0]!))) {
        assert.ok(answer.status < 500 || answer.status === 503, `an unasked-for ${answer.status} to ${JSON.stringify(bytes.slice(0, 300))}: ${answer.body}`);
        if (answer.status >= 400 && answer.body !== '') {
          const parsed = JSON.parse(answer.body) as Record<string, unknown>;
          assert.deepEqual(Object.keys(parsed).filter((key) => !ENVELOPE_KEYS.has(key)), [], `not the envelope: ${answer.body}`);
          assert.equal(typeof parsed.object, 'string');
        }
      }
    }), { numRuns: SOCKET_RUNS, seed: SEED, endOnFailure: true });
  });
});
