// POST /oauth/token: Cint's auth server's client-credentials grant, served on the mock's own port.
// Errors carry OAuth's {error, error_description} for OAuth clients beside Cint's envelope fields.
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { envelope } from '../cint/errors.js';
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

function oauthError(reply: FastifyReply, status: 400 | 401 | 403, error: string, description: string) {
  return reply.code(status).send({ ...envelope(status, description), error, error_description: description });
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

  app.post('/oauth/token', async (request, reply) => {
    const body = (request.body ?? {}) as TokenRequest;
    if (body.grant_type !== 'client_credentials') {
      return oauthError(reply, 400, 'unsupported_grant_type', `grant_type must be 'client_credentials', got ${JSON.stringify(body.grant_type ?? null)}`);
    }
    if (typeof body.client_id !== 'string' || body.client_id.length === 0) {
      return oauthError(reply, 400, 'invalid_request', 'client_id is required');
    }
    // A client's sessions are named by its client id, and a session's name is at most 128 characters (as X-Mock-Session's).
    if (body.client_id.length > MAX_CLIENT_ID_LENGTH) {
      return oauthError(reply, 400, 'invalid_request', `client_id must be at most ${MAX_CLIENT_ID_LENGTH} characters`);
    }
    const clients = app.mock.config.clients;
    let accounts = accountsFrom(body.accounts);
    if (accounts === 'invalid') return oauthError(reply, 400, 'invalid_request', 'accounts must be a list of integer account ids');
    if (clients.length > 0) {
      const client = clients.find((candidate) => candidate.client_id === body.client_id);
      if (!client || client.client_secret !== body.client_secret) {
        return oauthError(reply, 401, 'access_denied', 'Unauthorized');
      }
      accounts = client.accounts ?? accounts;
    }
    // The audience names the API the token is for: Cint's guide says https://api.luc.id; the document's
    // server, https://api.cint.com, is taken too. Another is refused as Auth0 (Cint's auth.cint.com) does.
    if (body.audience !== undefined && !(AUDIENCES as readonly unknown[]).includes(body.audience)) {
      return oauthError(reply, 403, 'access_denied', `Service not found: ${String(body.audience)}`);
    }
    // Cint documents auth_scopes (default app:api); lucid_scopes is its older name; OAuth libraries send scope.
    const scopes = [body.auth_scopes, body.lucid_scopes, body.scope].find((value): value is string => typeof value === 'string') ?? 'app:api';
    return reply.send(app.mock.tokens.issue({
      clientId: body.client_id,
      accounts,
      ...(typeof body.audience === 'string' ? { audience: body.audience } : {}),
      scopes,
    }));
  });
};
