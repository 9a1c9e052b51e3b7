import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { startMock } from '../src/server.js';
import { decideResponse, newScenarioState } from '../src/scenarios/decide.js';
import { parseScenario } from '../src/scenarios/load.js';
import { API_VERSION, clientOf, projectsUrl } from './helpers.js';
import { appWithScenarios, clientUsing, removeFolder, scenarioFolder } from './scenario-helpers.js';

const files = {
  'steps.yaml': `
description: 503 twice, then the realistic behaviour forever
rules:
  - match: { operation: list_account_projects }
    respond:
      - { status: 503, times: 2 }
      - passthrough
`,
  'fall-through.yaml': `
description: a last step with times falls through to the next rule, then to the realistic behaviour
rules:
  - match: { operation: list_account_projects }
    respond:
      - { status: 500, times: 1 }
      - { status: 503, times: 2 }
  - match: { operation: list_account_projects, query: { name: second } }
    respond: { status: 409 }
`,
  'repeat.yaml': `
description: after repeat keeps the last step
rules:
  - match: { operation: list_account_projects }
    respond:
      - { passthrough: true, times: 1 }
      - { status: 429, times: 1 }
    after: repeat
`,
  'restart.yaml': `
description: after restart starts the sequence again
rules:
  - match: { operation: list_account_projects }
    respond:
      - { passthrough: true, times: 2 }
      - { status: 429, times: 1 }
    after: restart
`,
  'single-times.yaml': `
description: a single step with times answers that many requests
rules:
  - match: { operation: list_account_projects }
    respond: { status: 500, times: 3 }
`,
  'coin.yaml': `
description: a seeded coin; when it is not drawn the next rule answers
seed: coin-seed
rules:
  - match: { operation: list_account_projects }
    respond: { status: 500, probability: 0.5, times: 1000 }
  - match: { operation: list_account_projects }
    respond: { status: 503 }
`,
  'unseeded.yaml': `
description: no seed
rules:
  - match: { operation: list_account_projects }
    respond: { status: 500, probability: 0.5 }
`,
};

describe('scenario sequences', () => {
  let app: MockApp;
  let close: () => Promise<void>;
  before(async () => { ({ app, close } = await appWithScenarios(files)); });
  after(() => close());

  async function statuses(client: Awaited<ReturnType<typeof clientOf>>, count: number, url = projectsUrl()) {
    const result: number[] = [];
    for (let i = 0; i < count; i += 1) result.push((await app.inject({ method: 'GET', url, headers: client.headers() })).statusCode);
    return result;
  }

  it('steps answer `times` requests each; a last step without times answers forever', async () => {
    assert.deepEqual(await statuses(await clientUsing(app, 'steps'), 5), [503, 503, 200, 200, 200]);
  });

  it('after the last step is used up the rule falls through (by default) to the next rules', async () => {
    const client = await clientUsing(app, 'fall-through');
    assert.deepEqual(await statuses(client, 4, `${projectsUrl()}?name=second`), [500, 503, 503, 409]);
    assert.deepEqual(await statuses(client, 1), [200]);
  });

  it('after: repeat keeps answering with the last step', async () => {
    assert.deepEqual(await statuses(await clientUsing(app, 'repeat'), 4), [200, 429, 429, 429]);
  });

  it('after: restart starts the sequence again', async () => {
    assert.deepEqual(await statuses(await clientUsing(app, 'restart'), 7), [200, 200, 429, 200, 200, 429, 200]);
  });

  it('a single step with times answers exactly that many requests', async () => {
    assert.deepEqual(await statuses(await clientUsing(app, 'single-times'), 5), [500, 500, 500, 200, 200]);
  });

  it('counters are per session: one session using up a step does not move another', async () => {
    const first = await clientUsing(app, 'steps');
    const second = await clientUsing(app, 'steps');
    assert.deepEqual(await statuses(first, 3), [503, 503, 200]);
    assert.deepEqual(await statuses(second, 3), [503, 503, 200]);
  });

  it('counters reset with the session; the session keeps its scenario', async () => {
    const client = await clientUsing(app, 'steps');
    assert.deepEqual(await statuses(client, 3), [503, 503, 200]);
    app.mock.sessions.delete(client.clientId);
    assert.deepEqual(await statuses(client, 3), [503, 503, 200]);
  });

  it('choosing the scenario again over the admin API starts its sequences afresh', async () => {
    const client = await clientUsing(app, 'steps');
    assert.deepEqual(await statuses(client, 3), [503, 503, 200]);
    await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'steps' } });
    assert.deepEqual(await statuses(client, 1), [503]);
  });

  it('a probability not drawn lets the next rule answer, and the same seed and session reproduce', async () => {
    const run = async (session: string, noise: boolean) => {
      const client = await clientOf(app);
      const headers = client.headers({ 'x-mock-session': session, 'x-mock-scenario': 'coin' });
      const noisy = client.headers({ 'x-mock-session': `${session}-noise`, 'x-mock-scenario': 'coin' });
      const result: number[] = [];
      for (let i = 0; i < 40; i += 1) {
        // Another session drawing from the same scenario at the same time changes nothing here.
        if (noise) await app.inject({ method: 'GET', url: projectsUrl(), headers: noisy });
        result.push((await app.inject({ method: 'GET', url: projectsUrl(), headers })).statusCode);
      }
      app.mock.sessions.delete(session);
      return result;
    };
    const name = `coin-${Math.random()}`;
    const first = await run(name, false);
    assert.deepEqual([...new Set(first)].sort(), [500, 503], 'both outcomes happen');
    assert.deepEqual(await run(name, true), first, 'the same seed, session and request order give the same outcomes');
    assert.notDeepEqual(await run(`${name}-other`, false), first, 'another session draws from its own stream');
  });

  it('without a seed outcomes differ from run to run', async () => {
    const run = async () => {
      const client = await clientUsing(app, 'unseeded');
      return (await statuses(client, 40)).join();
    };
    assert.notEqual(await run(), await run());
  });
});

describe('the decision engine on its own', () => {
  const parsed = parseScenario(`
description: delays and coins
seed: 99
rules:
  - match: { operation: get_project_by_id }
    respond: { passthrough: true, delay_ms: [100, 900], probability: 0.7 }
`, 'inline.yaml', 'inline');
  const scenario = parsed.scenario!;
  const facts = { operationId: 'get_project_by_id' as const, params: {}, query: {}, headers: {}, body: undefined };

  it('draws delays and probabilities from the session\'s seeded stream, reproducibly', () => {
    const draw = (session: string) => {
      const state = newScenarioState(scenario, session);
      return Array.from({ length: 20 }, () => decideResponse(scenario.byOperation.get('get_project_by_id')!, facts, state)?.delayMs ?? null);
    };
    const first = draw('session-a');
    assert.deepEqual(draw('session-a'), first);
    assert.notDeepEqual(draw('session-b'), first);
    assert.ok(first.some((delay) => delay === null), 'some requests are not drawn');
    for (const delay of first) if (delay !== null) assert.ok(delay >= 100 && delay <= 900, `delay ${delay} in range`);
  });

  it('has no rules to look at for an operation no rule names', () => {
    assert.equal(scenario.byOperation.get('list_account_projects'), undefined);
  });
});

describe('concurrency', () => {
  it('200 concurrent requests against a `times: 3` rule get exactly three scripted errors', async () => {
    const dir = await scenarioFolder({
      'three.yaml': `
description: three errors, then the realistic behaviour
rules:
  - match: { operation: list_account_projects }
    respond: { status: 503, times: 3 }
`,
    });
    const mock = await startMock({ scenariosDir: dir, watchScenarios: false, scenario: 'three' });
    try {
      const tokenResponse = await fetch(`${mock.url}/oauth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'concurrent-client', client_secret: 's', grant_type: 'client_credentials' }),
      });
      const { access_token: token } = await tokenResponse.json() as { access_token: string };
      const responses = await Promise.all(Array.from({ length: 200 }, () => fetch(`${mock.url}${projectsUrl()}`, {
        headers: { authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION },
      }).then(async (response) => { await response.arrayBuffer(); return response.status; })));
      assert.equal(responses.filter((status) => status === 503).length, 3);
      assert.equal(responses.filter((status) => status === 200).length, 197);
    } finally {
      await mock.close();
      await removeFolder(dir);
    }
  });
});
