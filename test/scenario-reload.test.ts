import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { controlOf } from '../src/control.js';
import { assertCintError, clientOf, makeApp, projectsUrl } from './helpers.js';
import { eventually, nextEvent, removeFolder, scenarioFolder, writeFiles } from './scenario-helpers.js';

const everything = (status: number) => `description: every request gets ${status}\nrules:\n  - match: { operation: "*" }\n    respond: { status: ${status} }\n`;

describe('hot reload', () => {
  it('an edit takes effect without a restart; an invalid edit keeps the last good version', { timeout: 20_000 }, async () => {
    const dir = await scenarioFolder({ 'live.yaml': everything(500) });
    const app: MockApp = await makeApp({ scenariosDir: dir, scenario: 'live' });
    try {
      const client = await clientOf(app);
      const status = async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode;
      assert.equal(await status(), 500);

      await writeFiles(dir, { 'live.yaml': everything(503) });
      await eventually(async () => (await status()) === 503, 5000, 'the edit to be picked up');

      const failed = nextEvent(app.mock.scenarios, 'reload-failed');
      await writeFiles(dir, { 'live.yaml': 'description: broken\nrules:\n  - match: { operation: "*" }\n    respond: { status: 99 }\n' });
      const [error] = await failed;
      assert.match(String((error as Error).message), /live\.yaml:4:24: rules\[0\]\.respond\.status: expected an HTTP status from 200 to 599, found 99/);
      assert.equal(await status(), 503, 'the last good version still answers');

      await writeFiles(dir, { 'live.yaml': everything(409), 'added.yaml': everything(418) });
      await eventually(async () => (await status()) === 409, 5000, 'the fixed file to be picked up');
      const added = await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-scenario': 'added' }) });
      assert.equal(added.statusCode, 418);

      await rm(join(dir, 'added.yaml'));
      await eventually(async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers({ 'x-mock-scenario': 'added' }) })).statusCode === 400,
        5000, 'the deleted file to be gone');
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it("a reload keeps sessions' progress in the scenarios whose files did not change", { timeout: 20_000 }, async () => {
    const dir = await scenarioFolder({
      'steps.yaml': 'description: steps\nrules:\n  - match: { operation: "*" }\n    respond: [ { status: 503, times: 2 }, passthrough ]\n',
      'other.yaml': everything(500),
    });
    const app = await makeApp({ scenariosDir: dir, scenario: 'steps', watchScenarios: false });
    try {
      const client = await clientOf(app);
      const status = async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode;
      assert.equal(await status(), 503);
      await writeFiles(dir, { 'other.yaml': everything(409) });
      const reloaded = await app.inject({ method: 'POST', url: '/__admin/scenarios/reload' });
      assert.equal(reloaded.statusCode, 200);
      assert.equal(await status(), 503, 'the second of two 503s');
      assert.equal(await status(), 200);

      await writeFiles(dir, { 'steps.yaml': 'description: steps, edited\nrules:\n  - match: { operation: "*" }\n    respond: [ { status: 502, times: 1 }, passthrough ]\n' });
      await app.inject({ method: 'POST', url: '/__admin/scenarios/reload' });
      assert.equal(await status(), 502, 'an edited scenario starts afresh');
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it('files that are not scenarios (a log, a dot file, other extensions) cause no reload', { timeout: 20_000 }, async () => {
    const dir = await scenarioFolder({ 'live.yaml': everything(500) });
    const app = await makeApp({ scenariosDir: dir, scenario: 'live' });
    try {
      let reloads = 0;
      app.mock.scenarios.on('reloaded', () => { reloads += 1; });
      for (let i = 0; i < 8; i += 1) {
        await writeFiles(dir, { 'mock.log': `line ${i}\n`.repeat(i + 1), '.live.yaml.swp': `swap ${i}`, 'notes.txt': `n ${i}` });
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(reloads, 0, 'no reload for files the loader ignores');

      const client = await clientOf(app);
      await writeFiles(dir, { 'live.yaml': everything(503) });
      await eventually(async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode === 503, 5000, 'the scenario edit to be picked up');
      assert.ok(reloads >= 1 && reloads <= 2, `${reloads} reloads for one edit`);
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it('polling mode (watchPollMs) picks up an edit without file events', { timeout: 20_000 }, async () => {
    const dir = await scenarioFolder({ 'live.yaml': everything(500) });
    const app = await makeApp({ scenariosDir: dir, scenario: 'live', watchPollMs: 100 });
    try {
      const client = await clientOf(app);
      const status = async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode;
      assert.equal(await status(), 500);
      await new Promise((resolve) => setTimeout(resolve, 150)); // the first poll has read the folder
      await writeFiles(dir, { 'live.yaml': everything(503) });
      await eventually(async () => (await status()) === 503, 5000, 'the poll to pick up the edit');
      await writeFiles(dir, { 'added.yaml': everything(418) });
      await eventually(() => app.mock.scenarios.get('added') !== undefined, 5000, 'the poll to pick up a new file');
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it('POST /__admin/scenarios/reload reports the problems and keeps the scenarios in use', async () => {
    const dir = await scenarioFolder({ 'live.yaml': everything(500) });
    const app = await makeApp({ scenariosDir: dir, scenario: 'live', watchScenarios: false });
    try {
      await writeFiles(dir, { 'live.yaml': everything(503) });
      const client = await clientOf(app);
      const status = async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode;
      assert.equal(await status(), 500, 'without watching, an edit waits for a reload');

      await writeFiles(dir, { 'broken.yaml': 'description: broken\nrules: nope\n' });
      const refused = await app.inject({ method: 'POST', url: '/__admin/scenarios/reload' });
      assertCintError(refused, 400, 'bad_request_error', {
        detail: 'the scenario files have problems; the scenarios in use are unchanged',
        invalid_params: [{ name: join(dir, 'broken.yaml'), reason: /broken\.yaml:2:8: rules: expected a list of rules, found "nope"$/ }],
      });
      assert.equal(await status(), 500);

      await rm(join(dir, 'broken.yaml'));
      const reloaded = await app.inject({ method: 'POST', url: '/__admin/scenarios/reload' });
      assert.equal(reloaded.statusCode, 200);
      assert.ok((reloaded.json().scenarios as { name: string }[]).some((scenario) => scenario.name === 'live'));
      assert.equal(await status(), 503);
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it('an entry the server cannot read as a file, at a reload: the last good scenarios stay, and the reload says why', { timeout: 20_000 }, async () => {
    const dir = await scenarioFolder({ 'live.yaml': everything(500) });
    const app = await makeApp({ scenariosDir: dir, scenario: 'live' });
    try {
      const client = await clientOf(app);
      const status = async () => (await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() })).statusCode;
      const failed = nextEvent(app.mock.scenarios, 'reload-failed');
      await writeFiles(dir, { 'live.yaml': everything(503) });
      await mkdir(join(dir, 'mounted.yaml'));
      const [error] = await failed;
      const problem = `${join(dir, 'mounted.yaml')}: (file): expected a file, found a folder (a bind mount of a host file that does not exist makes one)`;
      assert.equal((error as Error).message, `a problem in the scenarios:\n  ${problem}`);
      assert.equal(await status(), 500, 'the last good set still answers');
      const refused = await app.inject({ method: 'POST', url: '/__admin/scenarios/reload' });
      assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: join(dir, 'mounted.yaml'), reason: problem }] });

      await rm(join(dir, 'mounted.yaml'), { recursive: true });
      await eventually(async () => (await status()) === 503, 5000, 'the edit to be picked up once the folder is gone');
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it('a chosen scenario whose file is deleted: the reads say the realistic behaviour answers, and name the one missing, until it is back', { timeout: 20_000 }, async () => {
    const dir = await scenarioFolder({ 'other.yaml': everything(409) });
    const app = await makeApp({ scenariosDir: dir });
    try {
      const client = await clientOf(app);
      const list = () => app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() });
      const read = async (url: string) => (await app.inject({ method: 'GET', url: `/__admin/sessions${url}` })).json();
      assert.equal((await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/scenario`, payload: { scenario: 'other' } })).statusCode, 200);
      assertCintError(await list(), 409, 'conflict_error');

      const removed = nextEvent(app.mock.scenarios, 'reloaded');
      await rm(join(dir, 'other.yaml'));
      await removed;
      assert.equal((await list()).statusCode, 200);
      assert.equal((await read(`/${client.clientId}/journal?limit=1`)).entries[0].scenario, null);
      assert.deepEqual(await read(`/${client.clientId}/scenario`), { session: client.clientId, scenario: null, chosen_by: 'session', missing: 'other' });
      assert.equal((await read(`/${client.clientId}`)).scenario, null);
      assert.equal((await read('')).sessions.find((session: { id: string }) => session.id === client.clientId).scenario, null);
      assert.deepEqual(controlOf(app).scenarioOf(client.clientId), { scenario: null, chosen_by: 'session', missing: 'other' });

      // The choice stays: the file back, the scenario answers again, and the reads say so.
      const restored = nextEvent(app.mock.scenarios, 'reloaded');
      await writeFiles(dir, { 'other.yaml': everything(409) });
      await restored;
      assertCintError(await list(), 409, 'conflict_error');
      assert.deepEqual(await read(`/${client.clientId}/scenario`), { session: client.clientId, scenario: 'other', chosen_by: 'session' });
      assert.equal((await read(`/${client.clientId}`)).scenario, 'other');
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });

  it('a reload that would remove the default scenario is refused', async () => {
    const dir = await scenarioFolder({ 'live.yaml': everything(500) });
    const app = await makeApp({ scenariosDir: dir, scenario: 'live', watchScenarios: false });
    try {
      await rm(join(dir, 'live.yaml'));
      const refused = await app.inject({ method: 'POST', url: '/__admin/scenarios/reload' });
      assertCintError(refused, 400, 'bad_request_error', { invalid_params: [{ name: '(configuration)', reason: /scenario: expected the name of a scenario/ }] });
      const client = await clientOf(app);
      assertCintError(await app.inject({ method: 'GET', url: projectsUrl(), headers: client.headers() }), 500, 'unexpected_internal_error');
    } finally {
      await app.close();
      await removeFolder(dir);
    }
  });
});
