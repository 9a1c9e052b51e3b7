// cint-mock/testcontainers: cint-mock's image as a Testcontainers module for Node test suites. The
// container is ready when /__admin/health answers on the mapped port; the started container gives the
// base URL (host and mapped port, not the address the ready line prints inside the container), tokens,
// scenario choice per session, resets, the journal, the session's clock, job timing and fielding rates,
// and its webhook deliveries (listed, or awaited), over the admin API.
//
//   import { CintMockContainer } from 'cint-mock/testcontainers';
//   const mock = await new CintMockContainer('cint-mock:latest').withScenarios('./test/cint-scenarios').start();
//   const headers = await mock.headers('my-client');   // Authorization and Cint-API-Version
//   await fetch(`${mock.getApiUrl()}/demand/accounts/101/projects`, { headers });
//   await mock.stop();
//
// `testcontainers` is a peer dependency: install it in the suite that uses this module.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { resolve } from 'node:path';
import type { DeliveryListFilter, NextDeliveryFilter } from './control.js';
import type { CountFilter, JournalEntry, JournalFilter } from './journal/journal.js';
import type { ScenarioChoice, ScenarioDefinition } from './scenarios/catalog.js';
import type { JobTimingChangeData } from './sessions/clock.js';
import type { FieldingChange, FieldingView } from './sessions/simulator.js';
import type { DeliveryView } from './webhooks/delivery.js';
import { AbstractStartedContainer, GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';

/** The port cint-mock listens on inside its image. */
export const CINT_MOCK_PORT = 8080;
/** The image `docker build -t cint-mock .` makes from the repository. */
export const DEFAULT_IMAGE = 'cint-mock:latest';
/** The Cint-API-Version the mock serves. */
export const CINT_API_VERSION = '2025-12-18';
/** Where a container given withSelfSignedTls() writes its certificate, read back after the start. */
const CERTIFICATE_IN_CONTAINER = '/tmp/cint-mock-certificate.pem';
const REQUEST_TIMEOUT_MS = 30_000;

export interface TokenRequest {
  /** The client secret; any with the default authMode (verify without a client list). */
  clientSecret?: string;
  /** Accounts the token grants; every account when absent. */
  accounts?: number[];
  audience?: string;
}

/** Which journal entries: the admin API's filters (operation, status, fault, method, limit). */
export type JournalQuery = JournalFilter;
export type { CountFilter, DeliveryView, FieldingChange, FieldingView, JobTimingChangeData, JournalEntry, ScenarioChoice };
/** Which deliveries deliveries() lists: of one webhook, event type or status; `limit` of them, newest first. */
export type DeliveryQuery = Omit<DeliveryListFilter, 'clientId'>;
/** What nextDelivery() waits for: the first delivery after `after`, of that webhook and type; `timeoutMs` 5000 unless given. */
export type NextDeliveryQuery = Omit<NextDeliveryFilter, 'clientId'>;
/** How long a session's jobs stay Processing, and whether that is the session's setting or the instance's. */
export interface JobTimingView { session: string; polls: number; duration: string; source: 'session' | 'instance' }

/** An error answer of the mock's admin API or token endpoint. */
export class CintMockRequestError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: ${status} ${body}`);
    this.name = 'CintMockRequestError';
  }
}

export class CintMockContainer extends GenericContainer {
  private adminToken?: string;
  private tlsNames?: string[];

  constructor(image = DEFAULT_IMAGE) {
    super(image);
    this.withExposedPorts(CINT_MOCK_PORT)
      .withEnvironment({ PORT: String(CINT_MOCK_PORT) })
      .withWaitStrategy(Wait.forHttp('/__admin/health', CINT_MOCK_PORT).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  /** A host folder of your scenario files, mounted read-only at /scenarios (hot-reloaded when they change). */
  withScenarios(hostFolder: string): this {
    return this.withBindMounts([{ source: resolve(hostFolder), target: '/scenarios', mode: 'ro' }]);
  }

  /** The scenario every session starts with (CINT_MOCK_SCENARIO); per session, use useScenario() once started. */
  withScenario(name: string): this {
    return this.withEnvironment({ CINT_MOCK_SCENARIO: name });
  }

  /** Protects the admin API (CINT_MOCK_ADMIN_TOKEN); the started container sends it. */
  withAdminToken(token: string): this {
    this.adminToken = token;
    return this.withEnvironment({ CINT_MOCK_ADMIN_TOKEN: token });
  }

  /** Any of the mock's options by its environment variable (CINT_MOCK_JOB_POLLS, LOG_LEVEL, …). */
  withOption(name: string, value: string | number | boolean): this {
    return this.withEnvironment({ [name]: String(value) });
  }

  /**
   * Serves HTTPS with a certificate made at start for the container runtime's host (the address
   * getBaseUrl() uses) and `hostNames`; getCertificate() gives it for the client to trust.
   */
  withSelfSignedTls(hostNames: string[] = []): this {
    this.tlsNames = hostNames;
    this.withWaitStrategy(Wait.forHttp('/__admin/health', CINT_MOCK_PORT).forStatusCode(200).usingTls().allowInsecure());
    return this;
  }

  override async start(): Promise<StartedCintMockContainer> {
    if (this.tlsNames) {
      const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
      this.withEnvironment({ CINT_MOCK_TLS_SELF_SIGNED: [host, ...this.tlsNames].join(','), CINT_MOCK_TLS_CERT_OUT: CERTIFICATE_IN_CONTAINER });
    }
    const started = await super.start();
    let certificate: string | undefined;
    if (this.tlsNames) {
      const read = await started.exec(['cat', CERTIFICATE_IN_CONTAINER]);
      if (read.exitCode !== 0) throw new Error(`cannot read the container's certificate: ${read.output}`);
      certificate = read.stdout;
    }
    return new StartedCintMockContainer(started, { adminToken: this.adminToken, certificate });
  }
}

export class StartedCintMockContainer extends AbstractStartedContainer {
  private readonly adminToken?: string;
  private readonly certificate?: string;

  constructor(started: StartedTestContainer, options: { adminToken?: string; certificate?: string } = {}) {
    super(started);
    this.adminToken = options.adminToken;
    this.certificate = options.certificate;
  }

  /** The URL a client on the host uses: the runtime's host and the mapped port, e.g. http://localhost:32771. */
  getBaseUrl(): string {
    const host = this.getHost();
    return `${this.certificate ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${this.getMappedPort(CINT_MOCK_PORT)}`;
  }

  /** Cint's API base, `${getBaseUrl()}/v1`. */
  getApiUrl(): string {
    return `${this.getBaseUrl()}/v1`;
  }

  /** The client-credentials token endpoint, `${getBaseUrl()}/oauth/token`. */
  getTokenUrl(): string {
    return `${this.getBaseUrl()}/oauth/token`;
  }

  /** With withSelfSignedTls(): the certificate (PEM) to trust, e.g. Node's https `ca`; undefined otherwise. */
  getCertificate(): string | undefined {
    return this.certificate;
  }

  /** A bearer token for `clientId` from the mock's /oauth/token; the client id names its session. */
  async token(clientId: string, options: TokenRequest = {}): Promise<string> {
    const body = {
      client_id: clientId,
      client_secret: options.clientSecret ?? 'secret',
      grant_type: 'client_credentials',
      audience: options.audience ?? 'https://api.luc.id',
      ...(options.accounts ? { accounts: options.accounts } : {}),
    };
    const answer = await this.call('POST', '/oauth/token', body, false);
    if (answer.status !== 200) throw new CintMockRequestError(answer.status, answer.body, `token for ${clientId}`);
    return (JSON.parse(answer.body) as { access_token: string }).access_token;
  }

  /** Headers for a Cint request as `clientId`: Authorization and Cint-API-Version. */
  async headers(clientId: string, options: TokenRequest = {}): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token(clientId, options)}`, 'cint-api-version': CINT_API_VERSION };
  }

  /**
   * The scenario a session's requests get from now on (its progress starts afresh): a loaded scenario's
   * name, a scenario's content (`{ rules: [...] }`, as in a file), or null for the realistic behaviour.
   */
  async useScenario(session: string, scenario: string | ScenarioDefinition | null): Promise<void> {
    // PUT null, not DELETE: a container started withScenario() would give the session that default again.
    await this.admin('PUT', `/sessions/${encodeURIComponent(session)}/scenario`, { scenario });
  }

  /** The scenario answering a session's requests and where the choice came from; `sent` holds rules sent for it. */
  async scenarioOf(session: string): Promise<ScenarioChoice & { session: string }> {
    return JSON.parse(await this.admin('GET', `/sessions/${encodeURIComponent(session)}/scenario`)) as ScenarioChoice & { session: string };
  }

  /** The scenarios the container has loaded (built-in and mounted), by name with their descriptions. */
  async scenarios(): Promise<{ name: string; description: string }[]> {
    const listing = JSON.parse(await this.admin('GET', '/scenarios')) as { scenarios: { name: string; description: string }[] };
    return listing.scenarios.map(({ name, description }) => ({ name, description }));
  }

  /** Forgets one session's state (objects, keys, journal, scenario progress), or every session's. */
  async reset(session?: string): Promise<void> {
    await this.admin(session === undefined ? 'DELETE' : 'POST', session === undefined ? '/sessions' : `/sessions/${encodeURIComponent(session)}/reset`);
  }

  /** A session's requests, newest first. */
  async journal(session: string, query: JournalQuery = {}): Promise<JournalEntry[]> {
    const body = await this.admin('GET', `/sessions/${encodeURIComponent(session)}/journal${queryString(query)}`);
    return (JSON.parse(body) as { entries: JournalEntry[] }).entries;
  }

  /** How many requests a session made, e.g. count('ci', { operation: 'create_project', status: 503 }). */
  async count(session: string, query: CountFilter = {}): Promise<number> {
    const body = await this.admin('GET', `/sessions/${encodeURIComponent(session)}/counts${queryString(query)}`);
    return (JSON.parse(body) as { count: number }).count;
  }

  /** Moves a session's clock ({ advance: 'P3D' }, { set: '2030-01-31T12:00:00Z' }, { reset: true }), or reads it. */
  async clock(session: string, change?: { advance: string } | { set: string } | { reset: true }): Promise<{ now: string; offset_ms: number }> {
    const path = `/sessions/${encodeURIComponent(session)}/clock`;
    return JSON.parse(await this.admin(change ? 'POST' : 'GET', path, change)) as { now: string; offset_ms: number };
  }

  /** Reads or sets how long a session's jobs stay Processing: { polls: 2, duration: 'PT30S' }, or { reset: true } for the instance's. */
  async jobs(session: string, change?: JobTimingChangeData): Promise<JobTimingView> {
    return JSON.parse(await this.admin(change ? 'PUT' : 'GET', `/sessions/${encodeURIComponent(session)}/jobs`, change)) as JobTimingView;
  }

  /** Reads or sets how a session's live target groups fill: { starts_per_hour: 60, complete: 0.5, seed: 7 } (the rest stay), or { reset: true }. */
  async fielding(session: string, change?: FieldingChange): Promise<FieldingView & { session: string }> {
    return JSON.parse(await this.admin(change ? 'PUT' : 'GET', `/sessions/${encodeURIComponent(session)}/fielding`, change)) as FieldingView & { session: string };
  }

  /** A session's webhook deliveries, newest first, each with its attempts: deliveries('ci', { webhookId, status: 'expired' }). */
  async deliveries(session: string, query: DeliveryQuery = {}): Promise<DeliveryView[]> {
    const { webhookId, ...rest } = query;
    const body = await this.admin('GET', `/sessions/${encodeURIComponent(session)}/deliveries${queryString({ webhook_id: webhookId, ...rest })}`);
    return (JSON.parse(body) as { deliveries: DeliveryView[] }).deliveries;
  }

  /**
   * Waits for the session's next webhook delivery (after `after`, of that webhook and type) to be
   * delivered or expired, or to reach one of `statuses`, and answers it. Rejects with a
   * CintMockRequestError of status 408 when none does within `timeoutMs` (5000 unless given; at most 60000).
   */
  async nextDelivery(session: string, query: NextDeliveryQuery = {}): Promise<DeliveryView> {
    const { webhookId, type, after, statuses, timeoutMs = 5000 } = query;
    const path = `/sessions/${encodeURIComponent(session)}/deliveries/next${queryString({ webhook_id: webhookId, type, after, status: statuses, timeout_ms: timeoutMs })}`;
    // The call waits as long as the mock does, and some more.
    return JSON.parse(await this.admin('GET', path, undefined, timeoutMs + REQUEST_TIMEOUT_MS)) as DeliveryView;
  }

  private async admin(method: string, path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string> {
    const answer = await this.call(method, `/__admin${path}`, body, true, timeoutMs);
    if (answer.status >= 300) throw new CintMockRequestError(answer.status, answer.body, `${method} /__admin${path}`);
    return answer.body;
  }

  private call(method: string, path: string, body: unknown, admin: boolean, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.getBaseUrl());
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (admin && this.adminToken) headers.authorization = `Bearer ${this.adminToken}`;
    // A bound on each call, so a container that stopped answering fails the test instead of hanging it.
    const options: RequestOptions & { ca?: string } = { method, headers, timeout: timeoutMs, ...(this.certificate ? { ca: this.certificate } : {}) };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((done, fail) => {
      const outgoing = send(url, options, (response: IncomingMessage) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => done({ status: response.statusCode ?? 0, body: text }));
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${url.pathname}: no answer from the container within ${timeoutMs} ms`)));
      outgoing.on('error', fail);
      outgoing.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

/** The query of an admin request: undefined values left out, a list's values each a parameter of that name. */
function queryString(query: object): string {
  const entries = Object.entries(query).flatMap(([key, value]: [string, unknown]) =>
    (value === undefined ? [] : Array.isArray(value) ? value : [value]).map((item) => [key, String(item)]));
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`;
}
