// Each built-in scenario in scenarios/ produces the statuses its description promises.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { MockApp } from '../src/app.js';
import { startMock } from '../src/server.js';
import { decideResponse, newScenarioState } from '../src/scenarios/decide.js';
import type { RequestFacts } from '../src/scenarios/compile.js';
import {
  API_VERSION, ULID, advanceClock, assertCintError, clientOf, futureDate, makeApp, projectBody, projectsUrl, targetGroupBody, targetGroupsUrl,
} from './helpers.js';
import { clientUsing, sendOnce } from './scenario-helpers.js';

const PROJECT = '01K40T69E63BHTT9MAJYRBQ8HY';

describe('built-in scenarios', () => {
  let app: MockApp;
  before(async () => { app = await makeApp({ watchScenarios: false }); });
  after(() => app.close());

  type Client = Awaited<ReturnType<typeof clientOf>>;
  const list = (client: Client) => app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
  const createProject = (client: Client, body = projectBody()) =>
    app.inject({ method: 'POST', url: projectsUrl(), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: body });
  const statuses = async (client: Client, count: number) => {
    const result: number[] = [];
    for (let i = 0; i < count; i += 1) result.push((await list(client)).statusCode);
    return result;
  };

  it('the built-in folder lists every scenario with a description', async () => {
    const response = await app.inject({ method: 'GET', url: '/__admin/scenarios' });
    const names = (response.json().scenarios as { name: string; origin: string }[]).map((scenario) => scenario.name);
    assert.deepEqual(names, [
      'backoff', 'chaos', 'expired-token', 'flaky', 'forbidden-account', 'happy-path', 'lost-answers', 'network-faults', 'not-found',
      'rate-limited', 'server-error', 'slow', 'unavailable', 'validation-error',
    ]);
  });

  it('happy-path: 200, 201, 202 and 204 as Cint documents them', async () => {
    const client = await clientUsing(app, 'happy-path');
    const created = await createProject(client);
    assert.equal(created.statusCode, 202);
    const projectId = created.json().id as string;
    assert.equal((await app.inject({ method: 'GET', url: `${projectsUrl()}/${projectId}`, headers: client.headers() })).statusCode, 200);
    const group = await app.inject({ method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(), payload: targetGroupBody() });
    assert.equal(group.statusCode, 201, group.body);
    const updated = await app.inject({ method: 'PUT', url: `${targetGroupsUrl(projectId)}/${group.json().id}`, headers: client.headers(), payload: targetGroupBody({ name: 'Renamed group' }) });
    assert.equal(updated.statusCode, 204, updated.body);
  });

  it('validation-error: writes get 400 with invalid_params, reads work', async () => {
    const client = await clientUsing(app, 'validation-error');
    assertCintError(await createProject(client), 400, 'bad_request_error', {
      detail: 'request had validation errors', invalid_params: [{ name: 'name', reason: "'name' must be at least 5 characters long." }],
    });
    assertCintError(await app.inject({ method: 'POST', url: targetGroupsUrl(PROJECT), headers: client.headers(), payload: targetGroupBody() }), 400, 'bad_request_error', {
      invalid_params: [{ name: 'fielding_specification.start_at' }],
    });
    const launch = await app.inject({
      method: 'POST', url: `${targetGroupsUrl(PROJECT)}/${PROJECT}/fielding-run-jobs/launch-from-draft`,
      headers: client.headers({ 'idempotency-key': 'k' }), payload: { end_fielding_at: futureDate() },
    });
    assertCintError(launch, 400, 'bad_request_error', { invalid_params: [{ name: 'end_fielding_at' }] });
    assert.equal((await list(client)).statusCode, 200);
  });

  it('expired-token: the third request gets 401 for an expired token, the next ones work', async () => {
    const client = await clientUsing(app, 'expired-token');
    const responses: LightMyRequestResponse[] = [];
    for (let i = 0; i < 4; i += 1) responses.push(await list(client));
    assert.deepEqual(responses.map((response) => response.statusCode), [200, 200, 401, 200]);
    assertCintError(responses[2]!, 401, 'authorization_error', { detail: 'the bearer token has expired; request a new one' });
  });

  it('forbidden-account: 403 authorization_error', async () => {
    const client = await clientUsing(app, 'forbidden-account');
    assertCintError(await list(client), 403, 'authorization_error', { detail: /the token does not grant this account/ });
  });

  it('not-found: a project just created is gone (404 naming project_id); lists and creates work', async () => {
    const client = await clientUsing(app, 'not-found');
    const created = await createProject(client);
    assert.equal(created.statusCode, 202);
    const read = await app.inject({ method: 'GET', url: `${projectsUrl()}/${created.json().id}`, headers: client.headers() });
    assertCintError(read, 404, 'not_found_error', { detail: 'project_id: the specified resource was not found' });
    assert.equal((await list(client)).statusCode, 200);
  });

  it('server-error: 500 unexpected_internal_error', async () => {
    assertCintError(await list(await clientUsing(app, 'server-error')), 500, 'unexpected_internal_error');
  });

  it('unavailable: 503 with Retry-After: 30', async () => {
    const response = await list(await clientUsing(app, 'unavailable'));
    assertCintError(response, 503, 'service_unavailable_error');
    assert.equal(response.headers['retry-after'], '30');
  });

  it('rate-limited: every third request gets 429 with Retry-After: 1', async () => {
    const client = await clientUsing(app, 'rate-limited');
    assert.deepEqual(await statuses(client, 6), [200, 200, 429, 200, 200, 429]);
    const client2 = await clientUsing(app, 'rate-limited');
    await statuses(client2, 2);
    const limited = await list(client2);
    assertCintError(limited, 429, 'too_many_requests_problem_details');
    assert.equal(limited.headers['retry-after'], '1');
  });

  it('backoff: past three requests in a second, 429 with Retry-After until the second ends', async () => {
    const client = await clientUsing(app, 'backoff');
    assert.deepEqual(await statuses(client, 3), [200, 200, 200]);
    const limited = await list(client);
    assertCintError(limited, 429, 'too_many_requests_problem_details');
    assert.equal(limited.headers['retry-after'], '1');
    // Waiting as told (here on the session's clock) lets the client through again.
    await advanceClock(app, client, 'PT1S');
    assert.deepEqual(await statuses(client, 4), [200, 200, 200, 429]);
  });

  it('flaky: 503 twice with Retry-After, then success', async () => {
    const client = await clientUsing(app, 'flaky');
    const first = await list(client);
    assertCintError(first, 503, 'service_unavailable_error');
    assert.equal(first.headers['retry-after'], '1');
    assert.deepEqual(await statuses(client, 3), [503, 200, 200]);
    const created = await createProject(client);
    assert.equal(created.statusCode, 202);
    assert.match(created.json().id, ULID);
  });

  it('slow: the realistic answer, after at least 300 ms', async () => {
    const client = await clientUsing(app, 'slow');
    const started = Date.now();
    const response = await list(client);
    assert.equal(response.statusCode, 200);
    assert.ok(Date.now() - started >= 290, 'the answer was delayed');
  });
});

describe('built-in chaos and network-faults, over a socket', () => {
  const outcome = (response: Response | Error) => (response instanceof Response ? response.status : 'error');

  async function tokenFrom(url: string, clientId: string): Promise<string> {
    const response = await fetch(`${url}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, client_secret: 's', grant_type: 'client_credentials' }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function get(url: string, token: string, session: string, scenario: string): Promise<Response | Error> {
    try {
      const response = await fetch(`${url}${projectsUrl()}`, {
        headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, 'x-mock-session': session, 'x-mock-scenario': scenario },
      });
      await response.arrayBuffer();
      return response;
    } catch (error) {
      return error as Error;
    }
  }

  it('chaos: failures of every kind, the same for the same session id and request order', { timeout: 30_000 }, async () => {
    const mock = await startMock({ watchScenarios: false });
    try {
      const chaos = mock.app.mock.scenarios.get('chaos')!.scenario;
      const facts: RequestFacts = { operationId: 'list_account_projects', params: { account_id: '101' }, query: {}, headers: {}, body: undefined };
      const predict = (session: string, count: number) => {
        const state = newScenarioState(chaos, session);
        return Array.from({ length: count }, () => {
          const decision = decideResponse(chaos.byOperation.get('list_account_projects')!, facts, state);
          return decision?.step.kind === 'fault' ? 'error' : decision?.step.status ?? 200;
        });
      };
      // Over many requests the engine gives every failure the scenario describes, and replays them.
      const many = predict('chaos-session', 2000);
      assert.deepEqual(predict('chaos-session', 2000), many);
      for (const kind of ['error', 500, 503, 429, 200]) assert.ok(many.includes(kind as never), `chaos produces ${kind}`);
      const failures = many.filter((kind) => kind !== 200).length / many.length;
      assert.ok(failures > 0.1 && failures < 0.25, `about one request in six fails (${failures})`);

      // Over HTTP, a session gets exactly the engine's outcomes, whatever runs beside it.
      // A session id whose first requests meet a reset and a 500 (the streams are seeded, so this is fixed).
      let n = 0;
      while (!predict(`chaos-session-${n}`, 20).includes('error') || !predict(`chaos-session-${n}`, 20).includes(500)) n += 1;
      const session = `chaos-session-${n}`;
      const token = await tokenFrom(mock.url, 'chaos-client');
      const observed: (number | string)[] = [];
      const noise: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i += 1) {
        noise.push(get(mock.url, token, `noise-${i % 3}`, 'chaos'));
        observed.push(outcome(await get(mock.url, token, session, 'chaos')));
      }
      await Promise.all(noise);
      assert.deepEqual(observed, predict(session, 20));
      assert.ok(observed.includes('error') && observed.includes(500), `the first 20 requests include failures: ${observed.join()}`);
    } finally {
      await mock.close();
    }
  });

  it('lost-answers: every other write is made and its answer lost; the retry with the same key gets it', async () => {
    const mock = await startMock({ watchScenarios: false });
    try {
      const token = await tokenFrom(mock.url, 'lost-client');
      const headers = { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, 'x-mock-session': 'lost-session', 'x-mock-scenario': 'lost-answers' };
      const create = (key: string, name: string) =>
        sendOnce(mock.url, { method: 'POST', path: projectsUrl(), headers: { ...headers, 'idempotency-key': key }, body: projectBody({ name }) });
      const ids: string[] = [];
      for (const [key, name] of [['lost-1', 'First lost study'], ['lost-2', 'Second lost study']] as const) {
        const lost = await create(key, name);
        assert.ok(lost.error !== undefined && lost.response === undefined, `the first ${key} is answered by a reset`);
        const retried = await create(key, name);
        assert.equal(retried.response?.statusCode, 202, `the retry of ${key} is answered`);
        assert.equal(retried.response?.headers['idempotent-replayed'], 'true');
        ids.push((JSON.parse(retried.body!) as { id: string }).id);
      }
      const listed = await fetch(`${mock.url}${projectsUrl()}`, { headers });
      assert.equal(listed.status, 200);
      assert.deepEqual(((await listed.json()) as { projects: { id: string }[] }).projects.map((project) => project.id).sort(), [...ids].sort(), 'each write made once');
    } finally {
      await mock.close();
    }
  });

  it('network-faults: reset, empty answer, malformed body, then it works', async () => {
    const mock = await startMock({ watchScenarios: false });
    try {
      const token = await tokenFrom(mock.url, 'faults-client');
      const results: (Response | Error)[] = [];
      for (let i = 0; i < 4; i += 1) results.push(await get(mock.url, token, 'faults-session', 'network-faults'));
      assert.ok(results[0] instanceof Error && results[1] instanceof Error, 'the first two requests fail at the network level');
      const malformed = results[2];
      assert.ok(malformed instanceof Response && malformed.status === 200);
      assert.equal(outcome(results[3]!), 200);
    } finally {
      await mock.close();
    }
  });
});
