// Authentication (401) and account access (403) for Cint routes; also picks the request's session.
import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden, unauthorized } from '../cint/errors.js';

export const SESSION_HEADER = 'x-mock-session';
const SESSION_NAME = /^[A-Za-z0-9._:@-]{1,128}$/;

export function authentication(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (!request.cint.operationId) return;
    const outcome = app.mock.tokens.authenticate(request.headers.authorization);
    if (!outcome.ok) throw unauthorized(outcome.detail);
    const identity = outcome.identity;
    request.cint.identity = identity;

    const named = request.headers[SESSION_HEADER];
    if (named !== undefined) {
      if (typeof named !== 'string' || !SESSION_NAME.test(named)) {
        throw badRequest([{ name: 'X-Mock-Session', reason: "'X-Mock-Session' must be 1 to 128 letters, digits or . _ : @ -" }]);
      }
      request.cint.sessionId = named;
    } else {
      request.cint.sessionId = identity?.clientId ?? 'anonymous';
    }
    const session = app.mock.sessions.get(request.cint.sessionId);
    session.requestCount += 1;
    request.cint.session = session;

    const account = (request.params as { account_id?: string }).account_id;
    if (identity?.accounts && account !== undefined && !identity.accounts.includes(Number(account))) {
      throw forbidden(`you don't have the right permissions to perform this operation: the token does not grant account ${account}`);
    }
  });
}
