// Cint's error envelope, built in one place: every error the mock sends goes through here.
import { randomUUID } from 'node:crypto';

export interface InvalidParam {
  name: string;
  reason: string;
}

export interface CintErrorBody {
  id: string;
  object: string;
  detail: string;
  invalid_params?: InvalidParam[];
  /** Only on 429: the spec's TooManyRequestsProblemDetails names its message `details`. */
  details?: string;
  /** Only on /oauth/token's answers: OAuth's error code and its description (RFC 6749 §5.2, decision 18). */
  error?: string;
  error_description?: string;
}

/** The `object` and default `detail` per status, as Cint's document gives them in its examples. */
export const ERROR_DEFAULTS: Readonly<Record<number, { object: string; detail: string }>> = Object.freeze({
  400: { object: 'bad_request_error', detail: 'request had validation errors' },
  401: { object: 'authorization_error', detail: 'no valid authorization provided for this operation' },
  403: { object: 'authorization_error', detail: "you don't have the right permissions to perform this operation" },
  404: { object: 'not_found_error', detail: 'resource not found' },
  405: { object: 'method_not_allowed_error', detail: 'the method is not allowed for this resource' },
  409: { object: 'conflict_error', detail: 'this operation causes conflict(s) on the resources' },
  412: {
    object: 'precondition_failed_error',
    detail: 'The resource has been modified since you last retrieved it. Please fetch the latest version and try your request again.',
  },
  408: { object: 'request_timeout_error', detail: 'the request was not received in time' },
  413: { object: 'content_too_large_error', detail: 'the request body is larger than the server accepts' },
  414: { object: 'uri_too_long_error', detail: 'the request URL is longer than the server accepts' },
  415: { object: 'unsupported_media_type_error', detail: "The 'Content-Type' header is incorrectly set" },
  417: { object: 'expectation_failed_error', detail: "the request's Expect header cannot be met" },
  422: { object: 'invalid_state_error', detail: 'The entity does not meet the required state.' },
  431: { object: 'request_header_fields_too_large_error', detail: 'the request headers are larger than the server accepts' },
  429: { object: 'too_many_requests_problem_details', detail: 'rate limit exceeded, retry after the delay in Retry-After' },
  500: { object: 'unexpected_internal_error', detail: 'an internal error has led to the failure of this operation' },
  503: { object: 'service_unavailable_error', detail: 'the service is temporarily unavailable, retry after the delay in Retry-After' },
});

/** Any status gets an envelope: documented ones their own, others a name derived from the class. */
export function errorDefaults(status: number): { object: string; detail: string } {
  return ERROR_DEFAULTS[status] ?? (status >= 500
    ? { object: 'unexpected_internal_error', detail: `the server answered ${status}` }
    : { object: 'bad_request_error', detail: `the request was refused with ${status}` });
}

/** A Cint error to be sent: thrown by handlers and hooks, turned into a reply by the error handler. */
export class CintError extends Error {
  readonly status: number;
  readonly body: CintErrorBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, detail?: string, extra: { invalid_params?: InvalidParam[]; headers?: Record<string, string>; object?: string } = {}) {
    const defaults = errorDefaults(status);
    // A Cint error is an answer, not a fault: no stack is captured (capturing one was the largest single
    // cost of a scripted error), and none could reach a client anyway.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail ?? defaults.detail);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'CintError';
    this.status = status;
    this.body = envelope(status, detail, extra.invalid_params);
    if (extra.object) this.body.object = extra.object;
    this.headers = extra.headers ?? {};
  }
}

export function envelope(status: number, detail?: string, invalidParams?: InvalidParam[]): CintErrorBody {
  const defaults = errorDefaults(status);
  const body: CintErrorBody = { id: randomUUID(), object: defaults.object, detail: detail ?? defaults.detail };
  if (invalidParams && invalidParams.length > 0) body.invalid_params = invalidParams;
  if (status === 429) body.details = body.detail;
  return body;
}

export const badRequest = (invalidParams: InvalidParam[], detail = 'request had validation errors') =>
  new CintError(400, detail, { invalid_params: invalidParams });
/**
 * A 401 with its challenge (RFC 6750 §3): plain `Bearer` by default, for a request that sent no token;
 * bearerChallenge() gives the one for a token refused.
 */
export const unauthorized = (detail?: string, challenge = 'Bearer') => new CintError(401, detail, { headers: { 'www-authenticate': challenge } });

/** What an error_description may hold (RFC 6750 §3: printable ASCII but `"` and `\`), as one quoted string. */
const NOT_QUOTE_SAFE = /[^\x20\x21\x23-\x5b\x5d-\x7e]+/g;
const MAX_DESCRIPTION = 200;

/**
 * The WWW-Authenticate challenge of a 401 for a request with this Authorization header (RFC 6750 §3):
 * plain `Bearer` when it sent no bearer token (no header, another scheme), as the RFC asks of a request
 * without authentication; `Bearer error="invalid_token", error_description="…"` when its token was refused
 * (malformed, expired, forged), the description made printable ASCII without quotes or backslashes.
 * Only built for a 401: a request that passes pays nothing.
 */
export function bearerChallenge(authorization: string | undefined, description: string): string {
  if (authorization === undefined || !/^Bearer\s+\S/i.test(authorization)) return 'Bearer';
  const safe = description.replace(/"/g, "'").replace(/\\/g, '/').replace(NOT_QUOTE_SAFE, ' ').replace(/ {2,}/g, ' ').trim();
  const short = safe.length > MAX_DESCRIPTION ? `${safe.slice(0, MAX_DESCRIPTION - 3)}...` : safe;
  return `Bearer error="invalid_token", error_description="${short}"`;
}
export const forbidden = (detail?: string) => new CintError(403, detail);
/** Cint names the path parameter that found nothing: "project_id: the specified resource was not found". */
export const notFoundDetail = (param: string) => `${param}: the specified resource was not found`;
export const notFound = (param: string) => new CintError(404, notFoundDetail(param));
export const routeNotFound = (method: string, url: string, meant?: string | null) =>
  new CintError(404, `no route matches ${method} ${url.split('?')[0]}${meant ? `; did you mean ${meant}?` : ''}`);
/** A path the server has, asked with a method it does not take there: Allow names the ones it does. */
export const methodNotAllowed = (method: string, url: string, allow: string) =>
  new CintError(405, `${url.split('?')[0]} does not take ${method}; it takes ${allow}`, { headers: { allow } });
export const conflict = (detail: string) => new CintError(409, detail);
export const preconditionFailed = (detail?: string) => new CintError(412, detail);
export const contentTooLarge = (limit: number) =>
  new CintError(413, `the request body is larger than the ${limit} bytes the server accepts`);
/** An uploaded file of `bytes` (when known) past Cint's limit, `limit` bytes and more ("less than 5MB"). */
export const fileTooLarge = (limit: number, bytes?: number) =>
  new CintError(413, `File upload limit exceeded: the file${bytes === undefined ? '' : ` is ${bytes} bytes; it`} must be less than 5 MB (${limit} bytes).`);
/** The media types an operation's body may have: the one its document names; both CSV types for Cint's reconciliations (ReconPostContentType). */
export const acceptedMediaTypes = (documented: string): readonly string[] => (documented === 'text/csv' ? ['text/csv', 'application/csv'] : [documented]);
/** A body of a media type the route does not read: the detail names the ones it does (`accepted`; JSON unless told). */
export const unsupportedMediaType = (contentType: string | undefined, accepted: readonly string[] = ['application/json']) => {
  const use = accepted.map((type) => `'${type}'`).join(' or ');
  return new CintError(415, contentType
    ? `The 'Content-Type' header is incorrectly set '${contentType}'; use ${use}`
    : `The 'Content-Type' header is missing; use ${use}`);
};
/** A request body in a content coding (gzip, deflate, br): read as sent, it is refused (decision 182). */
export const unsupportedContentEncoding = (coding: string) =>
  new CintError(415, `The 'Content-Encoding' header is set to '${coding.length > 100 ? `${coding.slice(0, 100)}…` : coding}'; `
    + "send the request body uncompressed, with no 'Content-Encoding' or 'identity'", { headers: { 'accept-encoding': 'identity' } });
export const invalidState = (detail: string) => new CintError(422, detail);
/** Cint's versioning page: no version header is an access question, 403 `required_header_missing`. */
export const versionHeaderMissing = () => new CintError(403,
  "The 'Cint-API-Version' header is missing and is required on every request; send the API version, e.g. 'Cint-API-Version: 2025-12-18'",
  { object: 'required_header_missing' });
export const internalError = () => new CintError(500);

/** Cint's auth server's token endpoint, served on the mock's own port (routes/oauth.ts). */
export const TOKEN_PATH = '/oauth/token';

/**
 * An error of /oauth/token, in Cint's envelope with OAuth's `error` and `error_description` beside it
 * (decision 18), so OAuth libraries and Cint-envelope parsers both read it. `error` is the one given, or
 * the one RFC 6749 §5.2 has for a request the server cannot take as sent (`invalid_request`: malformed,
 * of a media type or coding it does not read, too large, a method it does not take); a fault of the
 * server's own is `server_error` (`temporarily_unavailable` for a 503), as RFC 6749 §4.1.2.1 names them.
 */
export function asOAuthError(cintError: CintError, error?: string): CintError {
  if (cintError.body.error === undefined) {
    cintError.body.error = error ?? (cintError.status < 500 ? 'invalid_request' : cintError.status === 503 ? 'temporarily_unavailable' : 'server_error');
    cintError.body.error_description = cintError.body.detail;
  }
  return cintError;
}
