// POST /oauth/token: Cint's auth server's client-credentials grant, served on the mock's own port.
// Every error, the framework's too (malformed JSON, 413, 415), carries OAuth's {error, error_description}
// for OAuth clients beside Cint's envelope fields (decision 18).
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { answerError } from '../cint/error-handler.js';
import { CintError, TOKEN_PATH, asOAuthError, unsupportedMediaType } from '../cint/errors.js';
import { AUDIENCES } from '../auth/tokens.js';

interface TokenRequest {
  client_id?: unknown;
  client_secret?: unknown;
  grant_type?: unknown;
  audience?: unknown;
  auth_scopes?: unknown;
  /** The older name of auth_scopes, still sent by clients of earlier revisions. */
  lucid_scopes?: unknown;
  scope?: unknown;
  /** A mock extension: the accounts the token grants, when the client is not configured. */
  accounts?: unknown;
}

function oauthError(status: 400 | 401 | 403, error: string, description: string, headers?: Record<string, string>): CintError {
  return asOAuthError(new CintError(status, description, headers ? { headers } : {}), error);
}

/** The body's media types the endpoint reads, as a 415 names them. */
const MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/**
 * The client's credentials sent with HTTP Basic (RFC 6749 §2.3.1: client_secret_basic, each part
 * form-encoded); null without a Basic Authorization header; 'malformed' for one that is not `id:secret`.
 */
function basicCredentials(request: FastifyRequest): { client_id: string; client_secret: string } | null | 'malformed' {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) return /^Basic(?:\s|$)/i.test(request.headers.authorization ?? '') ? 'malformed' : null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    const part = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
    return { client_id: part(decoded.slice(0, colon)), client_secret: part(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

function accountsFrom(value: unknown): number[] | null | 'invalid' {
  if (value === undefined || value === null || value === '') return null;
  const list = Array.isArray(value) ? value : String(value).split(',');
  const accounts = list.map((item) => Number(item));
  return accounts.every((account) => Number.isInteger(account)) ? accounts : 'invalid';
}

const MAX_CLIENT_ID_LENGTH = 128;

export const oauthRoutes: FastifyPluginAsync = async (app) => {
  // OAuth clients commonly post the form encoding; Cint's docs show JSON. Both are accepted.
  await app.register(formbody);
  // The errors Fastify meets before the handler (a body that is not JSON, too large, of another media
  // type or in a content coding) get OAuth's fields too; a 415 names both media types the endpoint reads.
  const bodyLimit = app.mock.config.bodyLimitBytes;
  app.setErrorHandler((error, request, reply) => answerError(
    (error as Partial<FastifyError>).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? unsupportedMediaType(request.headers['content-type'], MEDIA_TYPES) : error,
    request, reply, bodyLimit, (cintError) => asOAuthError(cintError),
  ));

  app.post(TOKEN_PATH, async (request, reply) => {
    const sent = request.body ?? {};
    if (typeof sent !== 'object' || Array.isArray(sent)) {
      throw oauthError(400, 'invalid_request', 'the request body must be a JSON object or a form of the token request\'s parameters');
    }
    const body = sent as TokenRequest;
    // A missing parameter is invalid_request (RFC 6749 §5.2); unsupported_grant_type is for one sent that is not ours.
    if (body.grant_type === undefined || body.grant_type === null || body.grant_type === '') {
      throw oauthError(400, 'invalid_request', "grant_type is required: send 'client_credentials'");
    }
    if (body.grant_type !== 'client_credentials') {
      throw oauthError(400, 'unsupported_grant_type', `grant_type must be 'client_credentials', got ${JSON.stringify(body.grant_type)}`);
    }
    // The client authenticates in the body (client_secret_post, Cint's way) or with HTTP Basic (RFC 6749 §2.3.1), not both.
    const basic = basicCredentials(request);
    if (basic === 'malformed') throw oauthError(400, 'invalid_request', "the Authorization header must be 'Basic <base64 of client_id:client_secret>'");
    if (basic && (body.client_secret !== undefined || (body.client_id !== undefined && body.client_id !== basic.client_id))) {
      throw oauthError(400, 'invalid_request', 'the client authenticates one way only: client_id and client_secret in the Authorization header or in the body, not both');
    }
    const clientId = basic ? basic.client_id : body.client_id;
    const clientSecret = basic ? basic.client_secret : body.client_secret;
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw oauthError(400, 'invalid_request', 'client_id is required');
    }
    // Cint's token request names client_secret among its fields: a client that forgets it must learn so
    // here, not from Cint, whether or not the mock knows the client's secret (CINT_MOCK_CLIENTS).
    if (typeof clientSecret !== 'string' || clientSecret.length === 0) {
      throw oauthError(400, 'invalid_request', 'client_secret is required');
    }
    // A client's sessions are named by its client id, and a session's name is at most 128 characters (as X-Mock-Session's).
    if (clientId.length > MAX_CLIENT_ID_LENGTH) {
      throw oauthError(400, 'invalid_request', `client_id must be at most ${MAX_CLIENT_ID_LENGTH} characters`);
    }
    const clients = app.mock.config.clients;
    let accounts = accountsFrom(body.accounts);
    if (accounts === 'invalid') throw oauthError(400, 'invalid_request', 'accounts must be a list of integer account ids');
    if (clients.length > 0) {
      const client = clients.find((candidate) => candidate.client_id === clientId);
      if (!client || client.client_secret !== clientSecret) {
        // A client that authenticated with HTTP Basic is told the scheme to retry with (RFC 6749 §5.2); one that used the body, none.
        throw oauthError(401, 'access_denied', 'Unauthorized', basic ? { 'www-authenticate': 'Basic realm="cint-mock"' } : undefined);
      }
      accounts = client.accounts ?? accounts;
    }
    // The audience names the API the token is for: Cint's guide says https://api.luc.id; the document's
    // server, https://api.cint.com, is taken too. Another is refused as Auth0 (Cint's auth.cint.com) does.
    if (body.audience !== undefined && !(AUDIENCES as readonly unknown[]).includes(body.audience)) {
      throw oauthError(403, 'access_denied', `Service not found: ${String(body.audience)}`);
    }
    // Cint documents auth_scopes (default app:api); lucid_scopes is its older name; OAuth libraries send scope.
    const scopes = [body.auth_scopes, body.lucid_scopes, body.scope].find((value): value is string => typeof value === 'string') ?? 'app:api';
    // A token is not to be cached on the way (RFC 6749 §5.1).
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return reply.send(app.mock.tokens.issue({
      clientId,
      accounts,
      ...(typeof body.audience === 'string' ? { audience: body.audience } : {}),
      scopes,
    }));
  });
};
