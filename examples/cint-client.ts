// An example of the client code a team integrating with Cint writes, and tests against cint-mock:
// it re-authenticates once on 401, retries 429/503 after Retry-After and 500 with backoff, retries a
// request whose answer never arrived (a reset or closed connection, or none within its timeout) when that
// is safe (a read, or a write with its Idempotency-Key), stops on 403, and turns a 400's invalid_params
// into a message a person can act on.

export interface CintErrorBody {
  id?: string;
  object: string;
  detail: string;
  invalid_params?: { name: string; reason: string }[];
}

export class CintApiError extends Error {
  constructor(readonly status: number, readonly body: CintErrorBody) {
    super(CintApiError.describe(status, body));
    this.name = 'CintApiError';
  }

  /** "Cint refused the request (400): name: 'name' must be at least 5 characters long." */
  static describe(status: number, body: CintErrorBody): string {
    const fields = body.invalid_params?.map((param) => `${param.name}: ${param.reason}`).join('; ');
    return `Cint refused the request (${status}): ${fields || body.detail}`;
  }
}

export interface CintClientOptions {
  /** The API's base, e.g. https://api.cint.com/v1 (or a cint-mock's url + '/v1'). */
  baseUrl: string;
  /** The auth server's token endpoint. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  maxRetries?: number;
  /** How long to wait for an answer before giving the attempt up; 30 s unless given. */
  timeoutMs?: number;
  /** Waits between retries; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

export class CintClient {
  private token: string | null = null;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: CintClientOptions) {
    this.maxRetries = options.maxRetries ?? 3;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async createProject(accountId: number, body: { name: string; project_manager_id: string }, idempotencyKey: string): Promise<string> {
    const { data } = await this.request<{ id: string }>('POST', `/demand/accounts/${accountId}/projects`, { body, idempotencyKey });
    return data.id;
  }

  async getProject(accountId: number, projectId: string): Promise<{ id: string; name: string }> {
    const { data } = await this.request<{ id: string; name: string }>('GET', `/demand/accounts/${accountId}/projects/${projectId}`);
    return data;
  }

  private async authenticate(): Promise<string> {
    const response = await fetch(this.options.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: this.options.clientId, client_secret: this.options.clientSecret,
        grant_type: 'client_credentials', audience: 'https://api.cint.com',
      }),
    });
    if (!response.ok) throw new Error(`authentication failed with ${response.status}`);
    const { access_token: token } = await response.json() as { access_token: string };
    this.token = token;
    return token;
  }

  async request<T>(method: string, path: string, options: { body?: unknown; idempotencyKey?: string } = {}): Promise<{ data: T; response: Response }> {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt += 1) {
      const token = this.token ?? await this.authenticate();
      let response: Response;
      try {
        response = await fetch(`${this.options.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            'cint-api-version': '2025-12-18',
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
            // The same key on every retry: a retried create never creates twice.
            ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
          },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        // No answer, or none in time: the request may or may not have been carried out. Sent again only
        // where that cannot do it twice: a read, or a write with its Idempotency-Key (which gets the first
        // answer).
        const safe = method === 'GET' || options.idempotencyKey !== undefined;
        if (!safe || attempt >= this.maxRetries) throw error;
        await this.sleep(250 * 2 ** attempt);
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        return { data: (text ? JSON.parse(text) : undefined) as T, response };
      }
      const body = await response.json() as CintErrorBody;
      if (response.status === 401 && !reauthenticated) {
        reauthenticated = true;
        this.token = null;
        continue;
      }
      const retryable = response.status === 429 || response.status === 503 || response.status === 500;
      if (!retryable || attempt >= this.maxRetries) throw new CintApiError(response.status, body);
      const retryAfter = Number(response.headers.get('retry-after'));
      await this.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt);
    }
  }
}
