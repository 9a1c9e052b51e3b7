// The README's quick-start flow over a real socket: every response is one the spec allows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMock, type RunningMock } from '../src/server.js';
import { API_VERSION, ACCOUNT, ULID, assertMatchesSpec, futureDate, onTestStore, projectBody, targetGroupBody } from './helpers.js';

describe('quick-start flow over HTTP', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(onTestStore({ port: 0 })); });
  after(() => mock.close());

  async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const response = await fetch(`${mock.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: Object.fromEntries(response.headers), body: text ? JSON.parse(text) as Record<string, unknown> : undefined };
  }

  it('token -> project -> target group -> launch -> job -> run -> pause -> resume -> complete', async () => {
    const token = await call('POST', '/oauth/token', {}, {
      client_id: 'quick-start', client_secret: 'secret', grant_type: 'client_credentials', audience: 'https://api.cint.com',
    });
    assert.equal(token.status, 200);
    assert.equal(token.body?.token_type, 'Bearer');
    assert.equal(token.body?.expires_in, 86400);
    const cint = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${String(token.body?.access_token)}`, 'cint-api-version': API_VERSION, ...extra });
    const base = `/v1/demand/accounts/${ACCOUNT}/projects`;

    const project = await call('POST', base, cint({ 'idempotency-key': 'flow-project' }), projectBody());
    assert.equal(project.status, 202);
    assertMatchesSpec('create_project', 202, project.body, true, project.headers);
    const projectId = String(project.body?.id);
    assert.match(projectId, ULID);

    const readProject = await call('GET', `${base}/${projectId}`, cint());
    assert.equal(readProject.status, 200);
    assertMatchesSpec('get_project_by_id', 200, readProject.body, true, readProject.headers);

    const projects = await call('GET', base, cint());
    assert.equal(projects.status, 200);
    assertMatchesSpec('list_account_projects', 200, projects.body, true, projects.headers);

    const groups = `${base}/${projectId}/target-groups`;
    const group = await call('POST', groups, cint(), targetGroupBody());
    assert.equal(group.status, 201);
    assertMatchesSpec('create_target_group', 201, group.body, true, group.headers);
    const targetGroupId = String(group.body?.id);

    const readGroup = await call('GET', `${groups}/${targetGroupId}`, cint());
    assert.equal(readGroup.status, 200);
    assertMatchesSpec('get_target_group', 200, readGroup.body, true, readGroup.headers);

    const launched = await call('POST', `${groups}/${targetGroupId}/fielding-run-jobs/launch-from-draft`,
      cint({ 'idempotency-key': 'flow-launch' }), { end_fielding_at: futureDate() });
    assert.equal(launched.status, 201);
    assert.equal(launched.body, undefined);
    assertMatchesSpec('create_launch_fielding_run_from_draft_job', 201, launched.body, true, launched.headers);

    const job = await call('GET', String(launched.headers.location), cint());
    assert.equal(job.status, 200);
    assertMatchesSpec('get_launch_fielding_run_from_draft_job', 200, job.body, true, job.headers);
    assert.equal(job.body?.status, 'Completed');
    const runs = `${groups}/${targetGroupId}/fielding-runs`;
    const runUrl = `${runs}/${String(job.body?.created_fielding_run_id)}`;

    const listed = await call('GET', runs, cint());
    assert.equal(listed.status, 200);
    assertMatchesSpec('get_fielding_runs_by_target_group_id', 200, listed.body, true, listed.headers);

    const run = await call('GET', runUrl, cint());
    assert.equal(run.status, 200);
    assertMatchesSpec('get_fielding_run', 200, run.body, true, run.headers);
    assert.equal(run.body?.status, 'live');

    let etag = String(run.headers.etag);
    for (const [action, status] of [['pause', 'paused'], ['resume', 'live'], ['complete', 'completed']] as const) {
      const changed = await call('POST', `${runUrl}/${action}`, cint({ 'if-match': etag }));
      assert.equal(changed.status, 204, `${action}: ${JSON.stringify(changed.body)}`);
      assertMatchesSpec(`${action}_fielding_run`, 204, changed.body, true, changed.headers);
      etag = String(changed.headers.etag);
      const current = await call('GET', runUrl, cint());
      assert.equal(current.body?.status, status);
      assertMatchesSpec('get_fielding_run', 200, current.body, true, current.headers);
    }

    const finalGroup = await call('GET', `${groups}?status=completed`, cint());
    assertMatchesSpec('get_list_target_groups', 200, finalGroup.body, true, finalGroup.headers);
    assert.deepEqual((finalGroup.body?.target_groups as { id: string }[]).map((item) => item.id), [targetGroupId]);
  });
});
