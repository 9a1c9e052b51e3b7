// A client generated from Cint's document (openapi-typescript types + openapi-fetch) walks the
// quick-start flow against a real socket; every answer must be one the document allows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import createClient from 'openapi-fetch';
import type { paths } from './fixtures/cint-demand-client.js';
import { startMock, type RunningMock } from '../src/server.js';
import { operations } from '../src/cint/operations.js';
import { API_VERSION, MANAGER_ID, assertMatchesSpec, fixtures, futureDate, targetGroupBody } from './helpers.js';

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

/**
 * One operation (or a create and its read) of every tag of the document, through the same generated
 * client: the client's types accept each call as the document describes it, and each answer is one the
 * document allows, valid against its schema.
 */
describe('a client generated from Cint\'s OpenAPI document, across every tag', () => {
  let mock: RunningMock;
  before(async () => { mock = await startMock(); });
  after(() => mock.close());

  it('walks one operation of each of the 25 tags', async () => {
    const issued = await fetch(`${mock.url}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'generated-client-tags', client_secret: 's', grant_type: 'client_credentials' }),
    });
    const { access_token: token } = await issued.json() as { access_token: string };
    const client = createClient<paths>({ baseUrl: `${mock.url}/v1`, headers: { authorization: `Bearer ${token}` } });
    const header = { 'Cint-API-Version': API_VERSION };
    const account = { account_id: 101 };
    const example = (id: string) => (fixtures.operations[id]!.validRequestExample ?? fixtures.operations[id]!.requestExample) as never;
    const tags = new Set<string>();
    const check = (operationId: string, answer: { response: Response; data?: unknown }) => {
      const op = operations.find((candidate) => candidate.id === operationId)!;
      assert.equal(answer.response.status, op.successStatus, `${operationId}: ${answer.response.status}`);
      assertMatchesSpec(operationId, op.successStatus, answer.data, true, headersOf(answer.response));
      tags.add(op.tag);
    };

    const project = await client.POST('/demand/accounts/{account_id}/projects', { params: { path: account, header: { ...header, 'idempotency-key': 'tags-1' } }, body: { name: 'Every tag study', project_manager_id: MANAGER_ID } });
    check('create_project', project);
    const projectPath = { ...account, project_id: project.data!.id! };
    const group = await client.POST('/demand/accounts/{account_id}/projects/{project_id}/target-groups', { params: { path: projectPath, header }, body: targetGroupBody() as never });
    check('create_target_group', group);
    const groupPath = { ...projectPath, target_group_id: group.data!.id };

    check('get_user_accounts', await client.GET('/accounts', { params: { header } }));
    check('list_account_allocation_templates', await client.GET('/demand/accounts/{account_id}/allocation-templates', { params: { path: account, header } }));
    check('get_countries', await client.GET('/countries', { params: { header } }));
    check('get_exclusion_groups_by_account_id', await client.GET('/demand/accounts/{account_id}/exclusion-groups', { params: { path: account, header } }));
    check('generate_price_prediction', await client.POST('/demand/accounts/{account_id}/business-units/{business_unit_id}/generate-price-prediction', { params: { path: { ...account, business_unit_id: '1234' }, header }, body: example('generate_price_prediction') }));
    check('calculate_target_group_feasibility', await client.POST('/demand/accounts/{account_id}/target-groups/calculate-feasibility', { params: { path: account, header }, body: example('calculate_target_group_feasibility') }));
    check('get_fielding_assistant_assignment', await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-assistant-assignment', { params: { path: groupPath, header } }));
    const batch = await client.POST('/demand/accounts/{account_id}/projects/{project_id}/batch-jobs/pause-fielding-runs-by-target-group-id', { params: { path: projectPath, header: { ...header, 'idempotency-key': 'tags-2' } }, body: { target_group_ids: [groupPath.target_group_id] } as never, parseAs: 'text' });
    check('create_bulk_pause_target_groups_job', { response: batch.response });
    check('get_fielding_runs_by_target_group_id', await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/fielding-runs', { params: { path: groupPath, header } }));
    check('suggest_days', await client.POST('/demand/intelligent-calendar/suggest-days', { params: { header }, body: example('suggest_days') }));
    check('list_profiles', await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/profiles', { params: { path: groupPath, header } }));
    const webhook = await client.POST('/accounts/{account_id}/webhooks', { params: { path: account, header }, body: { url: 'https://client.example/hooks', events: ['target-group-updated'] } });
    check('create_webhook', webhook);
    check('get_webhook', await client.GET('/accounts/{account_id}/webhooks/{webhook_id}', { params: { path: { ...account, webhook_id: webhook.data!.id! }, header } }));
    check('generate_blended_profile', await client.POST('/demand/accounts/{account_id}/drafts/generate-blended-profile', { params: { path: account, header }, body: example('generate_blended_profile') }));
    check('list_all_question_categories', await client.GET('/demand/questions/categories', { params: { header } }));
    check('get_panel_distribution_draft', await client.POST('/demand/accounts/{account_id}/supplier-quota-distribution/draft', { params: { path: account, header }, body: example('get_panel_distribution_draft') }));
    const template = await client.POST('/demand/accounts/{account_id}/profiling-templates', { params: { path: account, header }, body: example('create_profile_template') });
    check('create_profile_template', template);
    check('get_eligible_target_groups', await client.GET('/demand/accounts/{account_id}/reconciliations/eligible-target-groups', { params: { path: account, header } }));
    check('get_recontacts_overview', await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/recontacts/overview', { params: { path: groupPath, header } }));
    check('report_requests', await client.GET('/demand/accounts/{account_id}/reports', { params: { path: account, header } }));
    check('get_live_respondent_unique_codes_stats', await client.GET('/demand/accounts/{account_id}/target-groups/{target_group_id}/respondent-unique-codes/live/stats', { params: { path: { ...account, target_group_id: groupPath.target_group_id }, header } }));
    check('get_target_group_allocation_specification', await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/allocation-specification', { params: { path: groupPath, header } }));
    const manager = await client.POST('/demand/accounts/{account_id}/projects/{project_id}/batch-jobs/update-target-group-project-managers', { params: { path: projectPath, header: { ...header, 'idempotency-key': 'tags-3' } }, body: example('create_bulk_update_target_group_project_manager_job'), parseAs: 'text' });
    check('create_bulk_update_target_group_project_manager_job', { response: manager.response });
    // The target group is a draft: "Attempting to retrieve a draft Target Group overview will result in a Not Found error."
    const draftOverview = await client.GET('/demand/accounts/{account_id}/projects/{project_id}/target-groups/{target_group_id}/overview', { params: { path: groupPath, header } });
    assert.equal(draftOverview.response.status, 404);
    assertMatchesSpec('get_target_group_overview', 404, draftOverview.error);

    // Fulfillment lives on Cint's S2S host without /v1, with an API key: a client of its own.
    const s2s = createClient<paths>({ baseUrl: mock.url, headers: { authorization: 's2s-api-key' } });
    check('get_respondent_status', await s2s.GET('/fulfillment/respondents/{RID}', { params: { path: { RID: '6780395e-94fa-1eb7-612c-d2e19af42758' }, header: { Authorization: 's2s-api-key' } } }));

    const allTags = new Set(operations.map((op) => op.tag));
    assert.deepEqual([...allTags].filter((tag) => !tags.has(tag)), []);
    assert.equal(allTags.size, 25);
  });
});
