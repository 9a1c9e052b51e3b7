// How a team tests its Cint client against cint-mock: one mock for the file, one session per test
// (the client id), a built-in scenario per behaviour (or rules sent for the session), and the journal
// to check what the client sent.
// In your project: import { startMock } from 'cint-mock';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/index.js';
import { CintApiError, CintClient } from './cint-client.js';

const ACCOUNT = 101;
const MANAGER = 'b551326b-ac9d-4d32-8823-4f025787dab9';

describe('our Cint client against cint-mock', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(); });
  after(() => mock.close());

  /** A client with its own session (its client id), recording the waits it would sleep. */
  function clientFor(clientId: string) {
    const waits: number[] = [];
    const client = new CintClient({
      baseUrl: `${mock.url}/v1`, tokenUrl: `${mock.url}/oauth/token`, clientId, clientSecret: 'secret',
      sleep: async (ms) => { waits.push(ms); },
    });
    return { client, waits };
  }

  it('retries a 503 after Retry-After and creates the project once (flaky scenario)', async () => {
    const { client, waits } = clientFor('retry-on-503');
    mock.useScenario('retry-on-503', 'flaky');
    const id = await client.createProject(ACCOUNT, { name: 'Retried project', project_manager_id: MANAGER }, 'create-1');
    assert.match(id, /^[0-9A-Z]{26}$/);
    assert.deepEqual(waits, [1000, 1000]);
    assert.equal(mock.count('retry-on-503', { operation: 'create_project', status: 503 }), 2);
    assert.equal(mock.count('retry-on-503', { operation: 'create_project', status: 202 }), 1);
    const [last] = mock.journal('retry-on-503', { operation: 'create_project' });
    assert.deepEqual(last?.body, { name: 'Retried project', project_manager_id: MANAGER });
  });

  it('re-authenticates once on 401 and carries on (expired-token scenario)', async () => {
    const { client } = clientFor('reauth-on-401');
    const id = await client.createProject(ACCOUNT, { name: 'Before expiry', project_manager_id: MANAGER }, 'create-1');
    await client.getProject(ACCOUNT, id);
    mock.useScenario('reauth-on-401', 'expired-token');
    // The scenario lets two requests through, then answers 401 once: the client must get a new token.
    await client.getProject(ACCOUNT, id);
    await client.getProject(ACCOUNT, id);
    const project = await client.getProject(ACCOUNT, id);
    assert.equal(project.name, 'Before expiry');
    assert.equal(mock.count('reauth-on-401', { status: 401 }), 1);
  });

  it('surfaces 400 invalid_params to a person and does not retry (validation-error scenario)', async () => {
    const { client, waits } = clientFor('surface-400');
    mock.useScenario('surface-400', 'validation-error');
    await assert.rejects(
      client.createProject(ACCOUNT, { name: 'Refused', project_manager_id: MANAGER }, 'create-1'),
      (error: unknown) => error instanceof CintApiError && error.status === 400
        && error.message === "Cint refused the request (400): name: 'name' must be at least 5 characters long.",
    );
    assert.deepEqual(waits, []);
    assert.equal(mock.count('surface-400', { operation: 'create_project' }), 1);
  });

  it('stops on 403 without retrying (forbidden-account scenario)', async () => {
    const { client } = clientFor('stop-on-403');
    mock.useScenario('stop-on-403', 'forbidden-account');
    await assert.rejects(client.getProject(ACCOUNT, '01K40T69E63BHTT9MAJYRBQ8HY'),
      (error: unknown) => error instanceof CintApiError && error.status === 403 && error.body.object === 'authorization_error');
    assert.equal(mock.count('stop-on-403'), 1);
  });

  it('waits out a rate limit as Retry-After says, then carries on (rules sent for the session, no file)', async () => {
    const session = 'backoff-on-429';
    const waits: number[] = [];
    // This client's sleep moves the session's clock instead of the test's time: the mock's rate limit
    // counts on that clock, so the wait the client chose is the wait the mock sees.
    const client = new CintClient({
      baseUrl: `${mock.url}/v1`, tokenUrl: `${mock.url}/oauth/token`, clientId: session, clientSecret: 'secret',
      sleep: async (ms) => {
        waits.push(ms);
        mock.clock(session, { advance: `PT${ms / 1000}S` });
      },
    });
    mock.useScenario(session, {
      rules: [{ match: { operation: 'get_project_by_id' }, respond: { status: 429, rate_limit: { requests: 2, per_ms: 10_000 } } }],
    });
    const id = await client.createProject(ACCOUNT, { name: 'Rate limited reads', project_manager_id: MANAGER }, 'create-1');
    for (let read = 0; read < 3; read += 1) assert.equal((await client.getProject(ACCOUNT, id)).name, 'Rate limited reads');
    // The third read was refused for the rest of the 10 s window; the client waited that long, once.
    assert.deepEqual(waits, [10000]);
    assert.equal(mock.count(session, { operation: 'get_project_by_id', status: 429 }), 1);
    assert.equal(mock.count(session, { operation: 'get_project_by_id', status: 200 }), 3);
  });

  it('retries a write whose answer was lost with the same Idempotency-Key, and it is made once (lost-answers scenario)', async () => {
    const { client, waits } = clientFor('retry-lost-answer');
    mock.useScenario('retry-lost-answer', 'lost-answers');
    const id = await client.createProject(ACCOUNT, { name: 'Made once', project_manager_id: MANAGER }, 'create-1');
    assert.deepEqual(waits, [250], 'one retry after the reset');
    assert.equal((await client.getProject(ACCOUNT, id)).name, 'Made once');
    // The journal: the first create was carried out and its answer lost; the retry got that answer again.
    const creates = mock.journal('retry-lost-answer', { operation: 'create_project' });
    assert.deepEqual(creates.map((entry) => [entry.status, entry.fault ?? null, entry.replayed]), [[202, null, true], [202, 'connection_reset', false]]);
    assert.equal(mock.count('retry-lost-answer', { fault: 'connection_reset' }), 1);
  });

  it('gives up waiting for an answer that never comes, and the retry with the same key gets it (a hang, rules sent for the session)', async () => {
    const session = 'retry-after-timeout';
    const waits: number[] = [];
    const client = new CintClient({
      baseUrl: `${mock.url}/v1`, tokenUrl: `${mock.url}/oauth/token`, clientId: session, clientSecret: 'secret',
      timeoutMs: 500, sleep: async (ms) => { waits.push(ms); },
    });
    // The first create is carried out, then no answer comes at all.
    mock.useScenario(session, { rules: [{ match: { operation: 'create_project' }, respond: { passthrough: true, fault: 'hang', times: 1 } }] });
    const id = await client.createProject(ACCOUNT, { name: 'Waited for', project_manager_id: MANAGER }, 'create-1');
    assert.deepEqual(waits, [250]);
    assert.equal((await client.getProject(ACCOUNT, id)).name, 'Waited for');
    const creates = mock.journal(session, { operation: 'create_project' });
    assert.deepEqual(creates.map((entry) => [entry.status, entry.fault ?? null, entry.replayed]), [[202, null, true], [202, 'hang', false]]);
  });

  it('gives up after its retries when Cint stays down (unavailable scenario)', async () => {
    const { client, waits } = clientFor('give-up-on-503');
    mock.useScenario('give-up-on-503', 'unavailable');
    await assert.rejects(client.getProject(ACCOUNT, '01K40T69E63BHTT9MAJYRBQ8HY'),
      (error: unknown) => error instanceof CintApiError && error.status === 503);
    assert.deepEqual(waits, [30000, 30000, 30000]);
    assert.equal(mock.count('give-up-on-503', { status: 503 }), 4);
  });
});
