// A status step with `rate_limit`: a session's requests past `requests` in a window of `per_ms` (on the
// session's clock) get the status, with Retry-After the seconds left in the window; the others step aside.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MockApp } from '../src/app.js';
import { parseScenario } from '../src/scenarios/load.js';
import { advanceClock, assertCintError, clientOf, makeApp, projectsUrl, type Client } from './helpers.js';

describe('rate-limited steps', () => {
  let app: MockApp;
  before(async () => { app = await makeApp(); });
  after(() => app.close());

  async function using(client: Client, rules: unknown[]): Promise<string> {
    const chosen = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: { rules } } });
    assert.equal(chosen.statusCode, 200, chosen.body);
    return chosen.json().scenario as string;
  }
  const list = (client: Client) => app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });

  it('lets `requests` through in a window, refuses the rest with Retry-After the seconds left, and lets requests through once it ends', async () => {
    const client = await clientOf(app);
    await using(client, [{ match: { operation: 'list_account_projects' }, respond: { status: 429, rate_limit: { requests: 2, per_ms: 60_000 } } }]);
    assert.equal((await list(client)).statusCode, 200);
    assert.equal((await list(client)).statusCode, 200);
    const refused = await list(client);
    const body = assertCintError(refused, 429, 'too_many_requests_problem_details');
    assert.equal(body.details, body.detail);
    assert.equal(refused.headers['retry-after'], '60');

    // Half the window later it is still refused, with half the wait.
    await advanceClock(app, client, 'PT30S');
    const later = await list(client);
    assertCintError(later, 429, 'too_many_requests_problem_details');
    assert.equal(later.headers['retry-after'], '30');

    // A client that waits as Retry-After says gets through: a new window, with its own two requests.
    await advanceClock(app, client, 'PT30S');
    assert.equal((await list(client)).statusCode, 200);
    assert.equal((await list(client)).statusCode, 200);
    assert.equal((await list(client)).statusCode, 429);
  });

  it('counts each session on its own', async () => {
    const hammering = await clientOf(app);
    const other = await clientOf(app);
    const rules = [{ match: { operation: 'list_account_projects' }, respond: { status: 503, rate_limit: { requests: 1, per_ms: 10_000 } } }];
    await using(hammering, rules);
    await using(other, rules);
    assert.equal((await list(hammering)).statusCode, 200);
    const refused = await list(hammering);
    assertCintError(refused, 503, 'service_unavailable_error');
    assert.equal(refused.headers['retry-after'], '10');
    assert.equal((await list(other)).statusCode, 200);
  });

  it('steps aside for the requests it lets through, so a later rule answers them, and the journal says which rule answered', async () => {
    const client = await clientOf(app);
    const name = await using(client, [
      { match: { operation: 'list_account_projects' }, respond: { status: 429, rate_limit: { requests: 2, per_ms: 5_000 } } },
      { match: { operation: 'list_account_projects' }, respond: { status: 500, times: 1 } },
    ]);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await list(client)).statusCode);
    assert.deepEqual(statuses, [500, 200, 429, 429]);
    const journal = await app.inject({ url: `/__admin/sessions/${client.clientId}/journal?operation=list_account_projects` });
    const entries = (journal.json().entries as { scenario: unknown }[]).reverse();
    assert.deepEqual(entries.map((entry) => entry.scenario), [{ name, rule: 1 }, null, { name, rule: 0 }, { name, rule: 0 }]);
  });

  it('keeps a Retry-After its step sets, counts its refusals against `times`, and its window starts with its own first request', async () => {
    const client = await clientOf(app);
    await using(client, [{
      match: { operation: 'list_account_projects' },
      respond: [
        { status: 429, headers: { 'retry-after': '7' }, rate_limit: { requests: 1, per_ms: 60_000 }, times: 2 },
        { status: 503, rate_limit: { requests: 1, per_ms: 20_000 } },
      ],
    }]);
    const seen = [];
    for (let i = 0; i < 6; i += 1) {
      const answer = await list(client);
      seen.push(`${answer.statusCode}${answer.headers['retry-after'] ? `/${String(answer.headers['retry-after'])}` : ''}`);
    }
    // 200 (the first step's one), two refusals with its own Retry-After (its times), then the second
    // step's window: one through, then refused with its own wait.
    assert.deepEqual(seen, ['200', '429/7', '429/7', '200', '503/20', '503/20']);
  });

  it('says in Retry-After the seconds left when the answer is sent, after the step\'s delay', async () => {
    const client = await clientOf(app);
    await using(client, [{ match: { operation: 'list_account_projects' }, respond: { status: 503, delay_ms: 1000, rate_limit: { requests: 1, per_ms: 60_000 } } }]);
    assert.equal((await list(client)).statusCode, 200);
    // Refused, then waits its delay; the session's clock moves 20 s meanwhile.
    const waiting = list(client);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await advanceClock(app, client, 'PT20S');
    const refused = await waiting;
    assertCintError(refused, 503, 'service_unavailable_error');
    // 60 s less the 20 moved and the second waited (at decision time it was 60).
    assert.equal(refused.headers['retry-after'], '39');
  });

  it('is refused on a success status, in a file as in a sent scenario', async () => {
    const parsed = parseScenario('description: x\nrules:\n  - match: { operation: list_account_projects }\n    respond: { status: 200, rate_limit: { requests: 1, per_ms: 1000 } }\n', 'limits.yaml', 'limits');
    assert.equal(parsed.scenario, null);
    assert.deepEqual(parsed.problems.map((problem) => [problem.field, problem.line]), [['rules[0].respond.rate_limit', 4]]);
    assert.match(parsed.problems[0]!.expected, /status from 400 to 599/);

    const client = await clientOf(app);
    const refused = await app.inject({
      method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`,
      payload: { scenario: { rules: [{ match: { operation: 'list_account_projects' }, respond: { status: 429, rate_limit: { requests: 0, per_ms: 1000 } } }] } },
    });
    assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: 'scenario.rules[0].respond.rate_limit.requests', reason: /from 1 to 1000000/ }] });
  });
});
