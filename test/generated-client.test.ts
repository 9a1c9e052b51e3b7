// A client generated from Cint's document (openapi-typescript types + openapi-fetch) walks the
// quick-start flow against a real socket; every answer must be one the document allows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import createClient from 'openapi-fetch';
import type { paths } from './fixtures/cint-demand-client.js';
import { startMock, type RunningMock } from '../src/server.js';
import { API_VERSION, MANAGER_ID, assertMatchesSpec, futureDate, targetGroupBody } from './helpers.js';

const headersOf = (response: Response) => Object.fromEntries(response.headers.entries());

describe('a client generated from Cint\'s OpenAPI document', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(); });
  after(() => mock.close());

  it('walks token -> project -> target group -> launch -> pause -> resume -> complete', async () => {
    const tokenResponse = await fetch(`${mock.url}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'generated-client', client_secret: 's', grant_type: 'client_credentials', audience: 'https://api.cint.com' }),
    });
    assert.equal(tokenResponse.status, 200);
    const { access_token: token, expires_in: expiresIn, token_type: tokenType } = await tokenResponse.json() as Record<string, unknown>;
    assert.equal(expiresIn, 86400);
    assert.equal(tokenType, 'Bearer');

    const client = createClient<paths>({ baseUrl: `${mock.url}/v1`, headers: { authorization: `Bearer ${String(token)}` } });
    const version = { 'Cint-API-Version': API_VERSION };
    const account = { account_id: 101 };

    const created = await client.POST('/demand/accounts/{account_id}/projects', {
      params: { path: account, header: { ...version, 'idempotency-key': 'gen-1' } },
      body: { name: 'Generated client study', project_manager_id: MANAGER_ID },
    });
    assert.equal(created.response.status, 202);
    assertMatchesSpec('create_project', 202, created.data, true, headersOf(created.response));
    const projectId = created.data!.id!;

    const project = await client.GET('/demand/accounts/{account_id}/projects/{project_id}', {
      params: { path: { ...account, project_id: projectId }, header: version },
    });
    assert.equal(project.response.status, 200);
    assertMatchesSpec('get_project_by_id', 200, project.data, true, headersOf(project.response));

    const listed = await client.GET('/demand/accounts/{account_id}/projects', {
      params: { path: account, header: version, query: { page_size: 5 } },
    });
    assert.equal(listed.response.status, 200);
    assertMatchesSpec('list_account_projects', 200, listed.data);
    assert.ok(listed.data!.projects.some((item) => item.id === projectId));

    const updated = await client.PUT('/demand/accounts/{account_id}/projects/{project_id}', {
      params: {
        path: { ...account, project_id: projectId },
        header: { ...version, 'If-Match': project.response.headers.get('etag')!, 'idempotency-key': 'gen-2' },
      },
      body: { name: 'Generated client study v2', project_manager_id: MANAGER_ID, project_customer_reference_number: 'GEN-002' },
    });
    assert.equal(updated.response.status, 200);
    assertMatchesSpec('update_project', 200, updated.data);

    const group = await client.POST('/demand/accounts/{account_id}/projects/{project_id}/target-groups', {
      params: { path: { ...account, project_id: projectId }, header: version },
      body: targetGroupBody() as never,
    });
    assert.equal(group.response.status, 201, JSON.stringify(group.error));
    assertMatchesSpec('create_target_group', 201, group.data);
    const targetGroupId = group.data!.id;
    const groupPath = { ...account, project_id: projectId, target_group_id: targetGroupId };

    const fetched = await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}', {
      params: { path: groupPath, header: version },
    });
    assert.equal(fetched.response.status, 200);
    assertMatchesSpec('get_target_group', 200, fetched.data);

    const groups = await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups', {
      params: { path: { ...account, project_id: projectId }, header: version },
    });
    assert.equal(groups.response.status, 200);
    assertMatchesSpec('get_list_target_groups', 200, groups.data);

    const launched = await client.POST('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-run-jobs/launch-from-draft', {
      params: { path: groupPath, header: { ...version, 'idempotency-key': 'gen-3' } },
      body: { end_fielding_at: futureDate() },
      parseAs: 'text',
    });
    assert.equal(launched.response.status, 201);
    assertMatchesSpec('create_launch_fielding_run_from_draft_job', 201, undefined, true, headersOf(launched.response));
    const jobId = launched.response.headers.get('location')!.split('/').at(-1)!;

    const job = await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-run-jobs/launch-from-draft/{job_id}', {
      params: { path: { ...groupPath, job_id: jobId }, header: version },
    });
    assert.equal(job.response.status, 200);
    assertMatchesSpec('get_launch_fielding_run_from_draft_job', 200, job.data);
    assert.equal(job.data!.status, 'Completed');
    const runId = job.data!.created_fielding_run_id!;

    const runs = await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-runs', {
      params: { path: groupPath, header: version },
    });
    assert.equal(runs.response.status, 200);
    assertMatchesSpec('get_fielding_runs_by_target_group_id', 200, runs.data);

    const runPath = { ...groupPath, fielding_run_id: runId };
    const run = await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-runs/{fielding_run_id}', {
      params: { path: runPath, header: version },
    });
    assert.equal(run.response.status, 200);
    assertMatchesSpec('get_fielding_run', 200, run.data, true, headersOf(run.response));
    assert.equal(run.data!.status, 'live');

    let etag = run.response.headers.get('etag')!;
    const transitions = [
      ['pause', 'pause_fielding_run'],
      ['resume', 'resume_fielding_run'],
      ['complete', 'complete_fielding_run'],
    ] as const;
    for (const [action, operationId] of transitions) {
      const answer = await client.POST(`/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-runs/{fielding_run_id}/${action}`, {
        params: { path: runPath, header: { ...version, 'If-Match': etag } },
      });
      assert.equal(answer.response.status, 204, `${action}: ${JSON.stringify(answer.error)}`);
      assertMatchesSpec(operationId, 204, undefined, true, headersOf(answer.response));
      etag = answer.response.headers.get('etag')!;
    }

    const wrongTransition = await client.POST('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-runs/{fielding_run_id}/pause', {
      params: { path: runPath, header: { ...version, 'If-Match': etag } },
    });
    assert.equal(wrongTransition.response.status, 422);
    assertMatchesSpec('pause_fielding_run', 422, wrongTransition.error);
  });
});
