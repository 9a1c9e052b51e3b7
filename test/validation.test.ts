// Every refusal before a handler runs — headers, JSON, content type, size, routes, path params — is
// Cint's envelope, never Fastify's default {statusCode, error, message}.
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import type { ConfigInput } from '../src/config.js';
import { startMock, type RunningMock } from '../src/server.js';
import {
  ACCOUNT, assertCintError, clientOf, liveRun, makeApp, projectBody, projectsUrl, type Client,
} from './helpers.js';

describe('request validation', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  const createWith = (client: Client, headers: Record<string, string>, payload: unknown, drop: string[] = []) => {
    const all: Record<string, string> = client.headers({ 'idempotency-key': client.idempotencyKey(), ...headers });
    for (const name of drop) delete all[name];
    return app.inject({ method: 'POST', url: projectsUrl(), headers: all, payload: payload as string });
  };

  it('a missing Cint-API-Version is 403 required_header_missing, as Cint\'s versioning page says', async () => {
    const client = await clientOf(app);
    for (const [method, url] of [['GET', projectsUrl()], ['POST', projectsUrl()], ['GET', '/v1/demand/accounts/101/projects/01K40T69E63BHTT9MAJYRBQ8HY']] as const) {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${client.token}`, 'idempotency-key': 'v' }, ...(method === 'POST' ? { payload: projectBody() } : {}) });
      assertCintError(response, 403, 'required_header_missing', {
        detail: "The 'Cint-API-Version' header is missing and is required on every request; send the API version, e.g. 'Cint-API-Version: 2025-12-18'",
      });
    }
  });

  it('a malformed Cint-API-Version is 400 naming Cint-API-Version', async () => {
    const client = await clientOf(app);
    for (const version of ['latest', '2025-13-45', '2025-12-00']) {
      const response = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'cint-api-version': version }) });
      assertCintError(response, 400, 'bad_request_error', {
        invalid_params: [{ name: 'Cint-API-Version', reason: "'Cint-API-Version' must be a date in the format YYYY-MM-DD." }],
      });
    }
  });

  it('a missing Idempotency-Key on create_project is 400 naming Idempotency-Key', async () => {
    const client = await clientOf(app);
    assertCintError(await createWith(client, {}, projectBody(), ['idempotency-key']), 400, 'bad_request_error', {
      invalid_params: [{ name: 'Idempotency-Key', reason: "'Idempotency-Key' is required." }],
    });
  });

  it('an empty or blank Idempotency-Key or If-Match is 400 naming it, and nothing is created', async () => {
    const client = await clientOf(app);
    for (const key of ['', '   ']) {
      assertCintError(await createWith(client, { 'idempotency-key': key }, projectBody()), 400, 'bad_request_error', {
        invalid_params: [{ name: 'Idempotency-Key', reason: "'Idempotency-Key' must not be empty." }],
      });
    }
    assert.deepEqual((await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).json().projects, []);
    const project = await createWith(client, {}, projectBody());
    const update = await app.inject({
      method: 'PUT', url: `${projectsUrl()}/${project.json().id as string}`,
      headers: client.headers({ 'idempotency-key': client.idempotencyKey(), 'if-match': '' }), payload: projectBody({ name: 'Renamed project' }),
    });
    assertCintError(update, 400, 'bad_request_error', { invalid_params: [{ name: 'If-Match', reason: "'If-Match' must not be empty." }] });
  });

  it('malformed JSON is 400 naming the body', async () => {
    const client = await clientOf(app);
    const response = await createWith(client, { 'content-type': 'application/json' }, '{"name": "Unfinished');
    assertCintError(response, 400, 'bad_request_error', { detail: 'the request body is not valid JSON', invalid_params: [{ name: 'body' }] });
  });

  it('JSON with a __proto__ key or a constructor.prototype is 400 saying so, and JSON that does not parse is told apart', async () => {
    const client = await clientOf(app);
    const withKey = (key: string) => JSON.stringify(projectBody()).replace(/}$/, `,${key}}`);
    for (const key of ['"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}']) {
      assertCintError(await createWith(client, { 'content-type': 'application/json' }, withKey(key)), 400, 'bad_request_error', {
        detail: 'the request body has a forbidden key',
        invalid_params: [{ name: 'body', reason: 'the request body has a __proto__ key or a constructor.prototype, which the server refuses' }],
      });
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const broken = await createWith(client, { 'content-type': 'application/json' }, '{"__proto__": ');
    assertCintError(broken, 400, 'bad_request_error', { detail: 'the request body is not valid JSON', invalid_params: [{ name: 'body' }] });
  });

  it('a body nested deeper than 64 levels is 400 before anything is stored; 64 levels and brackets in strings are fine', async () => {
    const client = await clientOf(app);
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const withExtra = (extra: string) => JSON.stringify(projectBody()).replace(/}$/, `,"extra":${extra}}`);
    for (const depth of [64, 5000, 100000]) {
      const key = `deep-${depth}`;
      const refused = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': key, 'content-type': 'application/json' }), payload: withExtra(nested(depth)) });
      assertCintError(refused, 400, 'bad_request_error', {
        detail: 'the request body nests too deeply',
        invalid_params: [{ name: 'body', reason: /^The body nests objects and arrays more than 64 levels deep \(at character \d+\)\.$/ }],
      });
      // The key was not used up: the same key with a fine body creates the project.
      const retried = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': key }), payload: projectBody() });
      assert.equal(retried.statusCode, 202, retried.body);
    }
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.equal(listed.json().projects.length, 3, 'one project per retried key, none from the refused bodies');
    // The object itself is level 1: an extra field nested 63 deep makes 64 levels.
    const deepest = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'deep-ok', 'content-type': 'application/json' }), payload: withExtra(nested(63)) });
    assert.equal(deepest.statusCode, 202, deepest.body);
    const brackets = await app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': 'brackets', 'content-type': 'application/json' }), payload: withExtra(JSON.stringify(`[{\\"${'['.repeat(500)}`)) });
    assert.equal(brackets.statusCode, 202, brackets.body);
  });

  it('a missing body where one is required is 400', async () => {
    const client = await clientOf(app);
    const response = await createWith(client, { 'content-type': 'application/json' }, '');
    assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'body' }] });
  });

  it('a Content-Type other than JSON is 415 unsupported_media_type_error', async () => {
    const client = await clientOf(app);
    assertCintError(await createWith(client, { 'content-type': 'text/plain' }, 'name=Plain text project'), 415, 'unsupported_media_type_error', {
      detail: /text\/plain/,
    });
    // The OAuth route reads forms; the Cint routes do not.
    assertCintError(await createWith(client, { 'content-type': 'application/x-www-form-urlencoded' }, 'name=Form+project'), 415, 'unsupported_media_type_error');
  });

  it('a body in a content coding is 415 with Accept-Encoding: identity, before anything is done with it', async () => {
    const client = await clientOf(app);
    const body = JSON.stringify(projectBody({ name: 'Compressed project' }));
    const key = client.idempotencyKey();
    const codings: [string, string | Buffer][] = [['gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', brotliCompressSync(body)],
      // Labelled gzip but sent plain: not taken either.
      ['gzip', body], ['GZIP, identity', gzipSync(body)], ['identity, gzip', gzipSync(body)]];
    for (const [coding, payload] of codings) {
      const response = await createWith(client, { 'content-type': 'application/json', 'content-encoding': coding, 'idempotency-key': key }, payload);
      assertCintError(response, 415, 'unsupported_media_type_error', {
        detail: `The 'Content-Encoding' header is set to '${coding}'; send the request body uncompressed, with no 'Content-Encoding' or 'identity'`,
      });
      assert.equal(response.headers['accept-encoding'], 'identity');
      assert.match(String(response.headers.traceparent), /^00-/);
    }
    const listed = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
    assert.deepEqual(listed.json().projects, [], 'no project was made');
    // The key was not spent on a refused body; identity is no coding at all.
    const plain = await createWith(client, { 'content-type': 'application/json', 'content-encoding': 'identity', 'idempotency-key': key }, body);
    assert.equal(plain.statusCode, 202, plain.body);
    assert.equal(plain.headers['idempotent-replayed'], undefined);

    const journal = await app.inject({ method: 'GET', url: `/__admin/sessions/${client.clientId}/journal?operation=create_project` });
    assert.equal(journal.statusCode, 200, journal.body);
    assert.deepEqual(journal.json().entries.map((entry: { status: number }) => entry.status), [202, 415, 415, 415, 415, 415, 415]);
  });

  it('a content coding is refused on every route that takes a body, and ignored on a request without one', async () => {
    const client = await clientOf(app);
    const gzipped = gzipSync(JSON.stringify({ client_id: 'gzip-client', client_secret: 's', grant_type: 'client_credentials', audience: 'https://api.cint.com' }));
    const token = await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipped });
    assertCintError(token, 415, 'unsupported_media_type_error', { detail: /'Content-Encoding' header is set to 'gzip'/, oauth: 'invalid_request' });
    assert.equal(token.headers['accept-encoding'], 'identity');
    const admin = await app.inject({
      method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync('{"name":"outage"}'),
    });
    assertCintError(admin, 415, 'unsupported_media_type_error', { detail: /'Content-Encoding' header is set to 'gzip'/ });
    assert.equal(admin.headers['accept-encoding'], 'identity');
    const long = 'x'.repeat(300);
    assertCintError(await createWith(client, { 'content-type': 'application/json', 'content-encoding': long }, '{}'), 415, 'unsupported_media_type_error', {
      detail: `The 'Content-Encoding' header is set to '${'x'.repeat(100)}…'; send the request body uncompressed, with no 'Content-Encoding' or 'identity'`,
    });
    const read = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'content-encoding': 'gzip' }) });
    assert.equal(read.statusCode, 200, read.body);
    const run = await liveRun(app, client);
    const pause = await app.inject({ method: 'POST', url: `${run.runUrl}/pause`, headers: client.headers({ 'if-match': run.etag, 'content-encoding': 'gzip' }) });
    assert.equal(pause.statusCode, 204, pause.body);
  });

  it('application/json with a charset is JSON', async () => {
    const client = await clientOf(app);
    const response = await createWith(client, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(projectBody()));
    assert.equal(response.statusCode, 202, response.body);
  });

  it('a body over the limit is 413 content_too_large_error', async () => {
    const small = await makeApp({ bodyLimitBytes: 2048 });
    try {
      const client = await clientOf(small);
      const response = await small.inject({
        method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }),
        payload: projectBody({ name: 'x'.repeat(4096) }),
      });
      assertCintError(response, 413, 'content_too_large_error', { detail: /2048 bytes/ });
    } finally {
      await small.close();
    }
  });

  it('an unknown route is 404 not_found_error', async () => {
    const client = await clientOf(app);
    const response = await app.inject({ method: 'GET', url: '/v1/demand/accounts/101/surveys', headers: client.headers() });
    assertCintError(response, 404, 'not_found_error', { detail: 'no route matches GET /v1/demand/accounts/101/surveys' });
    assertCintError(await app.inject({ method: 'GET', url: '/__admin/nothing' }), 404, 'not_found_error', { detail: 'no route matches GET /__admin/nothing' });
    const deep = `${projectsUrl()}/${'01K40T69E63BHTT9MAJYRBQ8HY/'.repeat(40)}`;
    assertCintError(await app.inject({ method: 'DELETE', url: deep }), 404, 'not_found_error', { detail: `no route matches DELETE ${deep}` });
  });

  it('an unknown route near one the server has names it: no /v1, letters\' case, one segment\'s typo', async () => {
    const client = await clientOf(app);
    const project = `${projectsUrl()}/01K40T69E63BHTT9MAJYRBQ8HY`;
    const cases: [string, string, string][] = [
      ['GET', '/demand/accounts/101/projects?page_size=5', projectsUrl()],
      ['GET', '/accounts/101/projects', projectsUrl()],
      ['GET', '/v1/accounts/101/projects', projectsUrl()],
      ['GET', '/accounts/101/users', '/v1/accounts/101/users'],
      ['GET', '/V1/Demand/Accounts/101/Projects', projectsUrl()],
      ['GET', `${projectsUrl().replace('projects', 'project')}/01K40T69E63BHTT9MAJYRBQ8HY`, project],
      ['POST', `${project}/targetgroups`, `${project}/target-groups`],
      ['GET', '/v1/countrie', '/v1/countries'],
      ['POST', '/oauth/tokens', '/oauth/token'],
      ['GET', '/__admin/sesions', '/__admin/sessions'],
    ];
    for (const [method, url, meant] of cases) {
      const response = await app.inject({ method: method as 'GET', url, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: `no route matches ${method} ${url.split('?')[0]}; did you mean ${meant}?` });
    }
    // Two typos, or one too far from any route's segment, are not guessed at.
    for (const url of [`${projectsUrl().replace('projects', 'project')}/01K40T69E63BHTT9MAJYRBQ8HY/targetgroups`, '/v1/demand/accounts/101/surveys', '/v1/x', `/v1/${'countries'.repeat(20)}`]) {
      const response = await app.inject({ method: 'GET', url, headers: client.headers() });
      assertCintError(response, 404, 'not_found_error', { detail: `no route matches GET ${url}` });
    }
  });

  it('a method a path does not take is 405 method_not_allowed_error with Allow naming the ones it does, not a 404', async () => {
    const client = await clientOf(app);
    const project = `${projectsUrl()}/01K40T69E63BHTT9MAJYRBQ8HY`;
    const pause = `${project}/target-groups/01K40T69E63BHTT9MAJYRBQ8HX/fielding-runs/01K40T69E63BHTT9MAJYRBQ8HW/pause`;
    const cases: [string, string, string][] = [
      ['DELETE', projectsUrl(), 'GET, POST'],
      ['PATCH', project, 'GET, PUT'],
      ['GET', pause, 'POST'],
      // A trailing slash and a query do not change the path, as for the routes themselves.
      ['OPTIONS', `${projectsUrl()}/?page_size=5`, 'GET, POST'],
      ['GET', '/oauth/token', 'POST'],
      ['POST', '/__admin/health', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const response = await app.inject({ method: method as 'GET', url, headers: client.headers() });
      // The token endpoint's 405 carries OAuth's fields too (decision 18).
      assertCintError(response, 405, 'method_not_allowed_error', {
        detail: `${url.split('?')[0]} does not take ${method}; it takes ${allow}`, ...(url === '/oauth/token' ? { oauth: 'invalid_request' } : {}),
      });
      assert.equal(response.headers.allow, allow, `${method} ${url}`);
      assert.match(String(response.headers.traceparent), /^00-/);
    }
  });

  it('HEAD is not an operation of the API: 405 with Allow like any method a path does not take, no body', async () => {
    const client = await clientOf(app);
    const response = await app.inject({ method: 'HEAD', url: projectsUrl(), headers: client.headers() });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'GET, POST');
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.body, '');
  });

  it('a path parameter that is not a ULID is 400 naming it', async () => {
    const client = await clientOf(app);
    const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/not-a-ulid`, headers: client.headers() });
    assertCintError(response, 400, 'bad_request_error', {
      invalid_params: [{ name: 'project_id', reason: "'project_id' must match the pattern ^[0-9A-Z]{26}$." }],
    });
    const tg = await app.inject({ method: 'GET', url: `${projectsUrl()}/01K40T69E63BHTT9MAJYRBQ8HY/target-groups/lowercase01k40t69e63bhtt9maj`, headers: client.headers() });
    assertCintError(tg, 400, 'bad_request_error', { invalid_params: [{ name: 'target_group_id' }] });
  });

  it('a long path parameter is 400 naming it; one past 1024 characters is 414 in the envelope', async () => {
    const client = await clientOf(app);
    const long = await app.inject({ method: 'GET', url: `${projectsUrl()}/${'A'.repeat(101)}`, headers: client.headers() });
    assertCintError(long, 400, 'bad_request_error', { invalid_params: [{ name: 'project_id', reason: /must match the pattern/ }] });
    const tooLong = await app.inject({ method: 'GET', url: `${projectsUrl()}/${'A'.repeat(1025)}`, headers: client.headers() });
    assertCintError(tooLong, 414, 'uri_too_long_error', { detail: 'a segment of the path is longer than the 1024 characters the server accepts' });
  });

  it('an account_id that is not an integer is 400 naming account_id', async () => {
    const client = await clientOf(app);
    const response = await app.inject({ method: 'GET', url: '/v1/demand/accounts/acme/projects', headers: client.headers() });
    assertCintError(response, 400, 'bad_request_error', {
      invalid_params: [{ name: 'account_id', reason: "'account_id' must be of type integer." }],
    });
  });

  it('page_size takes what the document says: 1 to 100 for most lists, 1 to 1000 where it says so', async () => {
    const client = await clientOf(app);
    const list = (url: string) => app.inject({ method: 'GET', url, headers: client.headers() });
    assert.equal((await list(`${projectsUrl()}?page_size=100`)).statusCode, 200);
    for (const size of [0, 101, 1000]) {
      assertCintError(await list(`${projectsUrl()}?page_size=${size}`), 400, 'bad_request_error', { invalid_params: [{ name: 'page_size' }] });
    }
    // get_exclusion_groups_by_account_id's PageSize1000: "between 1 and 1000".
    const groups = `/v1/demand/accounts/${ACCOUNT}/exclusion-groups`;
    assert.equal((await list(`${groups}?page_size=1000`)).statusCode, 200);
    assertCintError(await list(`${groups}?page_size=1001`), 400, 'bad_request_error', { invalid_params: [{ name: 'page_size' }] });
  });

  it('a number where a string belongs is not coerced', async () => {
    const client = await clientOf(app);
    assertCintError(await createWith(client, {}, projectBody({ name: 1234567 })), 400, 'bad_request_error', {
      invalid_params: [{ name: 'name', reason: "'name' must be of type string." }],
    });
  });

  it('an empty body with Content-Type application/json is accepted where none is needed (pause)', async () => {
    const client = await clientOf(app);
    const run = await liveRun(app, client);
    const response = await app.inject({
      method: 'POST', url: `${run.runUrl}/pause`,
      headers: client.headers({ 'if-match': run.etag, 'content-type': 'application/json' }), payload: '',
    });
    assert.equal(response.statusCode, 204, response.body);
  });

  it('a non-JSON Content-Type is refused before the body is read, on any route', async () => {
    const client = await clientOf(app);
    const run = await liveRun(app, client);
    const response = await app.inject({
      method: 'POST', url: `${run.runUrl}/pause`,
      headers: client.headers({ 'if-match': run.etag, 'content-type': 'application/xml' }), payload: '<pause/>',
    });
    assertCintError(response, 415, 'unsupported_media_type_error');
  });

  it('authentication is checked before headers and body', async () => {
    const response = await app.inject({
      method: 'POST', url: projectsUrl(ACCOUNT), headers: { 'content-type': 'application/json' }, payload: '{not json',
    });
    assertCintError(response, 401, 'authorization_error');
  });
});

describe('requests refused before routing still get the envelope', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  it('a path that is not valid percent-encoding is 400 naming the path', async () => {
    const client = await clientOf(app);
    const response = await app.inject({ method: 'GET', url: `${projectsUrl()}/%E0%A4%A`, headers: client.headers() });
    assertCintError(response, 400, 'bad_request_error', { invalid_params: [{ name: 'path' }] });
  });

  /** Writes raw bytes to a listening mock and reads every answer that comes back until the server closes. */
  async function rawAll(bytes: string | ((mock: RunningMock) => string), options: ConfigInput = {}): Promise<{ status: number; headers: string; body: Record<string, unknown> }[]> {
    const { connect } = await import('node:net');
    const mock = await startMock({ watchScenarios: false, ...options });
    try {
      const socket = connect(mock.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk; });
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.on('error', () => undefined);
      socket.end(typeof bytes === 'string' ? bytes : bytes(mock));
      await closed;
      return received.split(/(?=HTTP\/1\.1 \d{3} )/).map((answer) => {
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        return { status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(body) as Record<string, unknown> };
      });
    } finally {
      await mock.close();
    }
  }
  const raw = async (bytes: string) => (await rawAll(bytes))[0]!;
  const assertEnvelope = (answer: { headers: string; body: Record<string, unknown> }, object: string) => {
    assert.match(answer.headers, /\r\ncontent-type: application\/json/i);
    assert.deepEqual(Object.keys(answer.body).filter((key) => key !== 'invalid_params').sort(), ['detail', 'id', 'object']);
    assert.equal(answer.body.object, object);
  };
  const cintRequest = (mock: RunningMock, first: string, extra = '') =>
    `${first}\r\nhost: localhost\r\n${Object.entries(mock.headers('raw-client')).map(([name, value]) => `${name}: ${value}\r\n`).join('')}${extra}\r\n`;

  it('a request without Host (HTTP/1.1 requires one) gets 400 in the envelope naming Host', async () => {
    const [answer] = await rawAll((mock) => cintRequest(mock, `GET ${projectsUrl()} HTTP/1.1`).replace('host: localhost\r\n', ''));
    assert.equal(answer!.status, 400, answer!.headers);
    assertEnvelope(answer!, 'bad_request_error');
    assert.deepEqual(answer!.body.invalid_params, [{ name: 'Host', reason: "'Host' is required in HTTP/1.1." }]);
  });

  it('CONNECT gets 405 in the envelope with Allow, not a silent close', async () => {
    const answer = await raw('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    assert.equal(answer.status, 405, answer.headers);
    assert.match(answer.headers, /\r\nallow: GET, POST, PUT, DELETE\r\n/i);
    assertEnvelope(answer, 'method_not_allowed_error');
  });

  it('a valid request pipelined before garbage gets its own answer, then the 400', async () => {
    const answers = await rawAll((mock) => `${cintRequest(mock, `GET ${projectsUrl()} HTTP/1.1`)}\u0000\u0001 not HTTP\r\n\r\n`);
    assert.deepEqual(answers.map((answer) => answer.status), [200, 400]);
    assert.deepEqual(answers[0]!.body.projects, []);
    assertEnvelope(answers[1]!, 'bad_request_error');
  });

  it('each of several requests pipelined before garbage or oversized headers gets its own answer, in order, then the refusal', async () => {
    const bad = { 400: 'GARBAGE\r\n\r\n', 431: `GET /nope HTTP/1.1\r\nhost: localhost\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n` };
    for (const [refusal, bytes] of Object.entries(bad)) {
      const answers = await rawAll((mock) => `${cintRequest(mock, `GET ${projectsUrl()} HTTP/1.1`).repeat(2)}GET /nope HTTP/1.1\r\nhost: localhost\r\n\r\n${bytes}`);
      assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 404, Number(refusal)]);
      assert.deepEqual([answers[0]!.body.projects, answers[1]!.body.projects], [[], []]);
      assertEnvelope(answers[2]!, 'not_found_error');
    }
  });

  it('an Expect other than 100-continue gets 417 in the envelope, with a traceparent', async () => {
    const answer = await raw(`GET ${projectsUrl()} HTTP/1.1\r\nhost: localhost\r\nexpect: 200-ok\r\n\r\n`);
    assert.equal(answer.status, 417, answer.headers);
    assertEnvelope(answer, 'expectation_failed_error');
    assert.equal(answer.body.detail, 'the Expect header "200-ok" cannot be met: the server knows only 100-continue');
    assert.match(answer.headers, /\r\ntraceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-01/i);
  });

  it('a body over the limit gets 413 in the envelope, sent whole, with a length or chunked, all sent or not', async () => {
    const post = (mock: RunningMock, framing: string, body: string) =>
      cintRequest(mock, `POST ${projectsUrl()} HTTP/1.1`, `content-type: application/json\r\nidempotency-key: big\r\n${framing}\r\n`) + body;
    const cases: ((mock: RunningMock) => string)[] = [
      (mock) => post(mock, 'content-length: 5000', `{"name":"${'x'.repeat(4990)}"}`),
      (mock) => post(mock, 'content-length: 100000', 'x'.repeat(3000)),
      (mock) => post(mock, 'transfer-encoding: chunked', `${'1000\r\n'.concat('x'.repeat(4096), '\r\n').repeat(2)}0\r\n\r\n`),
    ];
    for (const bytes of cases) {
      const [answer] = await rawAll(bytes, { bodyLimitBytes: 2048 });
      assert.equal(answer!.status, 413, answer!.headers);
      assertEnvelope(answer!, 'content_too_large_error');
      assert.equal(answer!.body.detail, 'the request body is larger than the 2048 bytes the server accepts');
    }
  });

  it('bytes that are not HTTP get 400 in the envelope', async () => {
    const answer = await raw('GARBAGE\r\n\r\n');
    assert.equal(answer.status, 400, answer.headers);
    assert.deepEqual(Object.keys(answer.body).sort(), ['detail', 'id', 'object']);
    assert.equal(answer.body.object, 'bad_request_error');
  });

  it('headers larger than Node accepts get 431 in the envelope', async () => {
    const answer = await raw(`GET ${projectsUrl()} HTTP/1.1\r\nhost: localhost\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(answer.status, 431, answer.headers);
    assert.deepEqual(Object.keys(answer.body).sort(), ['detail', 'id', 'object']);
    assert.equal(answer.body.object, 'request_header_fields_too_large_error');
  });
});
