// Shared test helpers: an app per test file, tokens, Cint headers, fixtures from Cint's document, and
// assertions on the exact error envelope and on the spec's response schemas.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import { createSigner } from 'fast-jwt';
import addFormatsImport from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type MockApp } from '../src/app.js';
import { makeConfig, type ConfigInput } from '../src/config.js';
import type { RunningMock } from '../src/server.js';
import { responseDefinitions, responseTable } from '../src/cint/responses.generated.js';

const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;

/** What Cint's document says of each operation: its request example and its responses (generated). */
export const fixtures = { operations: responseTable() };

export const API_VERSION = '2025-12-18';
export const ACCOUNT = 101;
export const MANAGER_ID = 'b551326b-ac9d-4d32-8823-4f025787dab9';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The app a test file uses. With TEST_STORE set to a Redis URL (`npm run test:redis` sets it), every app
 * is built on that Redis, each with a key prefix of its own so that no two apps of the suite meet, unless
 * the test sets `store` itself. (Not a CINT_MOCK_ name: the CLIs some tests start with this environment
 * would warn about a variable of theirs they do not know, and the tests reading their stderr would fail.)
 */
export async function makeApp(overrides: ConfigInput = {}, options?: Parameters<typeof buildApp>[1]): Promise<MockApp> {
  const app = await buildApp(makeConfig(onTestStore(overrides)), options);
  await app.ready();
  return app;
}

/**
 * The options with TEST_STORE's Redis and a key prefix of their own added, as makeApp builds its apps,
 * when TEST_STORE is set and they name no store: for a test's startMock({...}) to run on it too.
 */
export function onTestStore<T extends ConfigInput>(overrides: T): T {
  const testStore = process.env.TEST_STORE;
  if (testStore === undefined || !/^rediss?:\/\//.test(testStore) || 'store' in overrides) return overrides;
  return { store: testStore, storePrefix: `test-${randomUUID()}`, ...overrides };
}

/** Seconds since the epoch, as a token's time claims count them. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token signed HS256 with `secret` (the mock's own, or a forger's) for the claims given, as a test makes one by hand. */
export function signWith(secret: string, claims: Record<string, unknown>): string {
  return createSigner({ key: secret, algorithm: 'HS256' })(claims);
}

export async function tokenFor(app: MockApp, clientId: string, accounts?: number[]): Promise<string> {
  const response = await app.inject({
    method: 'POST', url: '/oauth/token',
    payload: { client_id: clientId, client_secret: 'secret', grant_type: 'client_credentials', audience: 'https://api.cint.com', ...(accounts ? { accounts } : {}) },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().access_token as string;
}

/** A client of the mock with its own token, so each test has its own session. */
export async function clientOf(app: MockApp, clientId = `client-${Math.random().toString(36).slice(2)}`, accounts?: number[]) {
  const token = await tokenFor(app, clientId, accounts);
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, 'cint-api-version': API_VERSION, ...extra });
  let keys = 0;
  const idempotencyKey = () => `${clientId}-${(keys += 1)}`;
  return { clientId, token, headers, idempotencyKey };
}

export const projectsUrl = (account = ACCOUNT) => `/v1/demand/accounts/${account}/projects`;
export const targetGroupsUrl = (projectId: string, account = ACCOUNT) => `${projectsUrl(account)}/${projectId}/target-groups`;
export const runsUrl = (projectId: string, targetGroupId: string, account = ACCOUNT) =>
  `${targetGroupsUrl(projectId, account)}/${targetGroupId}/fielding-runs`;
export const launchUrl = (projectId: string, targetGroupId: string, account = ACCOUNT) =>
  `${targetGroupsUrl(projectId, account)}/${targetGroupId}/fielding-run-jobs/launch-from-draft`;

export function projectBody(overrides: Record<string, unknown> = {}) {
  return { ...(fixtures.operations.create_project!.requestExample as object), ...overrides };
}

/**
 * Cint's own create_target_group example, with the two parts where it breaks its own schema mended:
 * pacing.increment_interval "string" is not a duration, and open_exchange_allocations sends null where
 * the schema requires arrays.
 */
export function targetGroupBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body = structuredClone(fixtures.operations.create_target_group!.requestExample) as Record<string, unknown> & {
    fielding_assistant_assignment: { pacing: unknown };
    allocations: { open_exchange_allocations: { blocked_supplier_ids: unknown; groups: unknown } };
  };
  body.fielding_assistant_assignment.pacing = { type: 'linear', increment_interval: 'PT1H' };
  body.allocations.open_exchange_allocations.blocked_supplier_ids = [];
  body.allocations.open_exchange_allocations.groups = [];
  return { ...body, ...overrides };
}

/** Two quotas of one gender profile, nominal: 10 and 30 completes, so a target group takes at most 40. */
export const QUOTA_PROFILING = {
  profile_adjustment_type: 'nominal',
  profiles: [{
    object: 'regular', name: 'gender', quotas_enabled: true,
    targets: [
      { conditions: [{ object: 'selection', question_id: 43, option: '1' }], quota: { name: 'Men', completes_goal: 10 } },
      { conditions: [{ object: 'selection', question_id: 43, option: '2' }], quota: { name: 'Women', completes_goal: 30 } },
    ],
  }],
};

export const futureDate = (days = 30) => new Date(Date.now() + days * 86_400_000).toISOString();

/**
 * A response's headers less those Node adds as it writes (Content-Length, Date, Connection, Keep-Alive,
 * Transfer-Encoding): what the mock set, which its journal keeps as `response_headers`.
 */
export function setByTheMock(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const framing = new Set(['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => !framing.has(name) && value !== undefined)
    .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
}

/**
 * Asserts the exact Cint envelope: {id (UUID), object, detail, invalid_params?} and nothing else; with
 * `oauth`, /oauth/token's: OAuth's `error` (that code) and `error_description` (the detail) beside it.
 */
export function assertCintError(response: LightMyRequestResponse, status: number, object: string,
  expected: { detail?: string | RegExp; invalid_params?: { name: string; reason?: string | RegExp }[]; oauth?: string } = {}) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json();
  if (expected.oauth !== undefined) {
    assert.equal(body.error, expected.oauth, response.body);
    assert.equal(body.error_description, body.detail, response.body);
    delete body.error;
    delete body.error_description;
  }
  const allowed = status === 429 ? ['id', 'object', 'detail', 'invalid_params', 'details'] : ['id', 'object', 'detail', 'invalid_params'];
  assert.deepEqual(Object.keys(body).filter((key) => !allowed.includes(key)), [], `unexpected keys in ${response.body}`);
  assert.match(body.id, UUID);
  assert.equal(body.object, object);
  assert.equal(typeof body.detail, 'string');
  if (expected.detail instanceof RegExp) assert.match(body.detail, expected.detail);
  else if (expected.detail !== undefined) assert.equal(body.detail, expected.detail);
  if (expected.invalid_params) {
    assert.ok(Array.isArray(body.invalid_params), `no invalid_params in ${response.body}`);
    for (const param of expected.invalid_params) {
      const found = body.invalid_params.find((candidate: { name: string }) => candidate.name === param.name);
      assert.ok(found, `no invalid_params entry for ${param.name} in ${response.body}`);
      if (param.reason instanceof RegExp) assert.match(found.reason, param.reason);
      else if (param.reason !== undefined) assert.equal(found.reason, param.reason);
    }
  } else {
    assert.equal(body.invalid_params, undefined, `unexpected invalid_params in ${response.body}`);
  }
  // Every envelope is Cint's Error schema (the 400 response of any operation uses it).
  assertMatchesSpec('create_project', 400, body);
  return body;
}

const ajv = new Ajv({ allErrors: true, strict: false, multipleOfPrecision: 9 });
addFormats(ajv);
ajv.addSchema({ $id: 'cint', definitions: responseDefinitions() });
const compiled = new Map<string, ReturnType<Ajv['compile']>>();

/**
 * Asserts that a body validates against the response schema Cint documents for that operation and
 * status (from src/cint/responses.generated.ts), and that the documented required headers are there.
 */
export function assertMatchesSpec(operationId: string, status: number, body: unknown, strictStatus = true, headers?: Record<string, unknown>) {
  const response = fixtures.operations[operationId]?.responses[String(status)];
  if (!response) {
    if (strictStatus) assert.fail(`${operationId} documents no ${status} response`);
    return;
  }
  if (response.schema) {
    const key = `${operationId}:${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(response.schema);
      compiled.set(key, validate);
    }
    assert.ok(validate(body), `${operationId} ${status} body does not match the spec: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
  }
  if (headers) {
    for (const header of response.headers) {
      if (header.required) assert.ok(headers[header.name] !== undefined, `${operationId} ${status} is missing the documented ${header.name} header`);
    }
  }
}

/**
 * Asserts that a value validates against one of the document's named schemas: for a part of an answer
 * whose schema is a union that also admits almost anything (get_target_group's profiling: "No profiling"
 * is any object), so the part is checked against the branch it should be.
 */
export function assertMatchesDefinition(name: string, value: unknown) {
  const key = `#${name}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `cint#/definitions/${name}` });
    compiled.set(key, validate);
  }
  assert.ok(validate(value), `not a ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
}

export type Client = Awaited<ReturnType<typeof clientOf>>;

/** Creates a project as `client` and returns its id and ETag. */
export async function createProject(app: MockApp, client: Client, overrides: Record<string, unknown> = {}, account = ACCOUNT) {
  const response = await app.inject({
    method: 'POST', url: projectsUrl(account), headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: projectBody(overrides),
  });
  assert.equal(response.statusCode, 202, response.body);
  return { id: response.json().id as string, etag: String(response.headers.etag) };
}

/** Creates a draft target group in `projectId` and returns its id. */
export async function createTargetGroup(app: MockApp, client: Client, projectId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await app.inject({
    method: 'POST', url: targetGroupsUrl(projectId), headers: client.headers(), payload: targetGroupBody(overrides),
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id as string;
}

/** Starts a launch of a new draft; the job's Location and the target group's path. */
export async function startLaunch(app: MockApp, client: Client) {
  const project = await createProject(app, client);
  const targetGroupId = await createTargetGroup(app, client, project.id);
  const response = await app.inject({
    method: 'POST', url: launchUrl(project.id, targetGroupId),
    headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: futureDate() },
  });
  assert.equal(response.statusCode, 201, response.body);
  return { location: String(response.headers.location), groupUrl: `${targetGroupsUrl(project.id)}/${targetGroupId}`, projectId: project.id, targetGroupId };
}

/** The body of get_launch_fielding_run_from_draft_job, as the tests read it. */
export interface LaunchJobBody {
  job_id: string;
  status: 'Completed' | 'Failed' | 'Processing';
  created_at: string;
  created_by: string;
  created_fielding_run_id?: string;
  failure_reason?: { code: string; description: string };
  job_trace_id?: string;
}

/** Launches a target group from draft and reads the job the Location header points at. */
export async function launch(app: MockApp, client: Client, projectId: string, targetGroupId: string) {
  const response = await app.inject({
    method: 'POST', url: launchUrl(projectId, targetGroupId),
    headers: client.headers({ 'idempotency-key': client.idempotencyKey() }), payload: { end_fielding_at: futureDate() },
  });
  assert.equal(response.statusCode, 201, response.body);
  const location = String(response.headers.location);
  const job = await app.inject({ method: 'GET', url: location, headers: client.headers() });
  assert.equal(job.statusCode, 200, job.body);
  return { location, job: job.json() as LaunchJobBody };
}

/** A project with a draft target group launched into a live fielding run. */
export async function liveRun(app: MockApp, client: Client) {
  const project = await createProject(app, client);
  const targetGroupId = await createTargetGroup(app, client, project.id);
  const { job } = await launch(app, client, project.id, targetGroupId);
  assert.equal(job.status, 'Completed', JSON.stringify(job));
  const runId = String(job.created_fielding_run_id);
  const runUrl = `${runsUrl(project.id, targetGroupId)}/${runId}`;
  const run = await app.inject({ method: 'GET', url: runUrl, headers: client.headers() });
  assert.equal(run.statusCode, 200, run.body);
  return { projectId: project.id, targetGroupId, runId, runUrl, etag: String(run.headers.etag) };
}

/** Moves `client`'s session clock by an ISO 8601 duration through the admin API. */
export async function advanceClock(app: MockApp, client: Client, by: string): Promise<void> {
  const moved = await app.inject({ method: 'POST', url: `/__admin/sessions/${client.clientId}/clock`, payload: { advance: by } });
  assert.equal(moved.statusCode, 200, moved.body);
}

/** Sets how `client`'s live target groups fill (the admin API's fielding settings); answers the settings now in force. */
export async function setFielding(app: MockApp, client: Client, settings: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await app.inject({ method: 'PUT', url: `/__admin/sessions/${client.clientId}/fielding`, payload: settings });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json();
}

export interface SocketAnswer { status: number; headers: Headers; text: string; json: Record<string, unknown> }

/**
 * A client of a listening mock (startMock) over a real socket: its own token, a session when named,
 * JSON bodies (a string is sent as it is), a new Idempotency-Key on each POST and PUT unless given.
 */
export function socketClient(mock: RunningMock, clientId: string) {
  let keys = 0;
  return async (method: string, path: string, { session, body, headers = {} }: { session?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<SocketAnswer> => {
    const response = await fetch(`${mock.url}${path}`, {
      method,
      headers: {
        ...mock.headers(clientId),
        ...(session ? { 'x-mock-session': session } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method === 'POST' || method === 'PUT' ? { 'idempotency-key': `${clientId}-${(keys += 1)}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}
