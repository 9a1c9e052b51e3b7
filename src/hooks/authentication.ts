// Authentication (401) and account access (403) for Cint routes; also picks the request's session.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Identity } from '../auth/tokens.js';
import { badRequest, bearerChallenge, forbidden, unauthorized, type CintError } from '../cint/errors.js';
import { settle } from '../sessions/clock.js';
import type { Session } from '../sessions/store.js';
import { checked } from './checked.js';

export const SESSION_HEADER = 'x-mock-session';
const SESSION_NAME = /^[A-Za-z0-9._:@-]{1,128}$/;

export function authentication(app: FastifyInstance): void {
  const expiredStatus = app.mock.config.expiredTokenStatus;
  const shared = app.mock.shared !== null;
  app.addHook('onRequest', checked((request) => {
    const authorization = request.headers.authorization;
    let identity: Identity | null;
    // Who owns the request's sessions without a token: an S2S API key.
    let keyOwner: string | null = null;
    if (request.cint.operation!.security === 'api-key') {
      // The Fulfillment operations take Cint's S2S API key, not a token: any key is accepted, and a
      // bearer token of the mock's still picks its client's session. A key is a client of its own: its
      // sessions are named by its hash, so two suites with two keys never see each other's respondents.
      // The challenge names Bearer (RFC 6750 §3), which these operations take too: an API key has no scheme to name.
      if (!authorization) throw unauthorized('no API key provided for this operation: send it in the Authorization header');
      const outcome = authorization.startsWith('Bearer ') ? app.mock.tokens.authenticate(authorization) : null;
      identity = outcome?.ok ? outcome.identity : null;
      if (!identity) keyOwner = s2sKeyOwner(authorization);
    } else {
      const outcome = app.mock.tokens.authenticate(authorization);
      if (!outcome.ok) {
        // Cint's pages disagree on an expired token (401 on the status page, 403 on the auth page):
        // 401 unless the instance is set to answer 403 (expiredTokenStatus), so clients can meet both.
        // A 401 says why in WWW-Authenticate too (RFC 6750 §3), built only for a request refused.
        const refused = outcome.expired && expiredStatus === 403 ? forbidden() : unauthorized(outcome.detail, bearerChallenge(authorization, outcome.detail));
        // A token refused for a claim (expired, say) still says whose it is: the refusal goes in that
        // client's journal, where a test of re-authentication looks for it (decision 184); the session
        // is named, not used: no request counted, its clock not moved on.
        if (outcome.identity) pickSession(app, request, outcome.identity.clientId, refused);
        throw refused;
      }
      identity = outcome.identity;
    }
    request.cint.identity = identity;
    const session = pickSession(app, request, identity?.clientId ?? keyOwner);
    // With a shared store, hooks/shared.ts does this once the session is this request's.
    if (!shared) {
      session.requestCount += 1;
      // What the session's clock says has happened since its last request (runs that ended).
      settle(session);
    }

    const account = (request.params as { account_id?: string }).account_id;
    if (identity?.accounts && account !== undefined && !identity.accounts.includes(Number(account))) {
      throw forbidden(`you don't have the right permissions to perform this operation: the token does not grant account ${account}`);
    }
  }));
}

/** Who owns an S2S API key's sessions: a client of its own, named by the key's hash (decision 27). */
export function s2sKeyOwner(key: string): string {
  return `s2s-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * Picks the request's session as the client owning it names it, and puts it in the request's context. A
 * client's sessions are its own: the default one is named by its client id, and a name it gives in
 * X-Mock-Session is scoped inside its client id, so another client naming the same session gets its own.
 * Shared by name only without a token (auth off) or when the instance says so. A name that is not one is
 * a 400, or, for a request already refused (`refused`), that refusal; either way the request's session is
 * then the one it would have had without the header, so its journal has the refusal (decision 188).
 */
export function pickSession(app: FastifyInstance, request: FastifyRequest, clientId: string | null, refused?: CintError): Session {
  const named = request.headers[SESSION_HEADER];
  let owner = clientId;
  let refusal: CintError | undefined;
  if (named === undefined) {
    request.cint.sessionId = owner ?? 'anonymous';
  } else if (typeof named !== 'string' || !SESSION_NAME.test(named)) {
    refusal = refused ?? badRequest([{ name: 'X-Mock-Session', reason: "'X-Mock-Session' must be 1 to 128 letters, digits or . _ : @ -" }]);
    request.cint.sessionId = owner ?? 'anonymous';
  } else {
    request.cint.sessionId = named;
    if (app.mock.config.shareNamedSessions) owner = null;
  }
  const session = app.mock.sessions.get(request.cint.sessionId, owner);
  request.cint.session = session;
  if (refusal) throw refusal;
  return session;
}
