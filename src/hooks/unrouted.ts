// Requests no route takes (404, 405) go in the journal of the client that sent them, when they were
// meant for the Cint API and the client is known: a client's typo in a path, or a wrong method, shows
// on the journal page and in the admin API's counts beside the requests that worked.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CintError } from '../cint/errors.js';
import { pickSession, s2sKeyOwner } from './authentication.js';
import { elapsedMs, recordRequest } from './journal.js';
import { journalUntaken } from './shared.js';

/** A path under the Cint API's /v1: the paths whose requests are a Cint client's. */
const CINT_PATH = /^\/v1(?:[/?]|$)/;
/** A path under /fulfillment: the Fulfillment operations' S2S paths, which take an S2S API key. */
const S2S_PATH = /^\/fulfillment(?:[/?]|$)/;

/**
 * Journals an unrouted request's answer (`text`, the envelope as sent; its headers already on `reply`) in
 * its client's session: the one its bearer token names (a token refused for a claim, such as its expiry,
 * still names it; a forged one does not), or with auth off the one X-Mock-Session names, as for a routed
 * request. Only for a path under /v1, or one whose nearest route is (`meant`); no session is made for a
 * request that names none. Under /fulfillment, as the Fulfillment routes do, any Authorization that is
 * not a token the mock accepts is an S2S API key, a client of its own. (A name that is not one: the
 * session the request would have had without it, decision 188.)
 */
export function journalUnrouted(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, error: CintError, text: string, meant: string | null): Promise<void> | undefined {
  const context = request.cint;
  const under = (path: RegExp) => path.test(request.url) || (meant !== null && path.test(meant));
  if (!context) return undefined;
  const s2s = under(S2S_PATH);
  if (!s2s && !under(CINT_PATH)) return undefined;
  const authorization = request.headers.authorization;
  const outcome = app.mock.tokens.authenticate(authorization);
  let owner: string | null;
  if (s2s && authorization && !(outcome.ok && outcome.identity)) {
    owner = s2sKeyOwner(authorization);
  } else {
    if (!outcome.ok && !outcome.identity) return undefined;
    owner = outcome.identity?.clientId ?? null;
  }
  try {
    pickSession(app, request, owner);
  } catch {
    // An X-Mock-Session that is no session's name: the 404 or 405 is the answer, and the session the
    // request would have had without the header (pickSession put it in the context) journals it.
  }
  if (request.method !== 'HEAD') context.responseBody = text;
  recordRequest(app, request, error.status, reply.getHeaders(), elapsedMs(request));
  // With a shared store the entry is saved before the answer goes out, as a routed request's is.
  return app.mock.shared ? journalUntaken(app.mock.shared, request) : undefined;
}
