// The admin token: with CINT_MOCK_ADMIN_TOKEN set, the admin API's data needs Authorization: Bearer <token>,
// or a client's own Cint token (from /oauth/token, or one the instance takes in authMode decode), which
// reaches that client's sessions only: so each client of a shared instance scripts, reads and resets its
// own sessions, and none reaches another's or the instance's.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import { bearerChallenge, forbidden, unauthorized } from '../cint/errors.js';

function tokenMatches(request: FastifyRequest, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The client whose token an admin request came with, where it came with a client's token, not the admin token. */
const clients = new WeakMap<FastifyRequest, string>();

/** The client an admin request is limited to (its own sessions); undefined: the admin token, every session. */
export function adminClientOf(request: FastifyRequest): string | undefined {
  return clients.get(request);
}

/** A route's path as the admin plugin declares it, without its /__admin prefix: `/sessions/:id/journal`. */
export const adminRoute = (url: string): string => url.replace(/^\/__admin/, '');
/** An admin request's route, as adminRoute gives it. */
export const adminRouteOf = (request: FastifyRequest): string => adminRoute(request.routeOptions.url ?? '');

/** What a client's token may read besides its own sessions' routes: its sessions' list and the scenarios. */
const CLIENT_READS = new Set(['/sessions', '/scenarios', '/openapi.json', '/docs/json', '/docs/yaml']);

/**
 * What a client's token may do on a route (its path without the prefix): `own` a route of its own
 * sessions (another client's client_id is a 403), `read` one of CLIENT_READS, `admin` nothing (403).
 * The access check below and the admin API's document (document.ts) both ask here.
 */
export function clientAccess(method: string, route: string): 'own' | 'read' | 'admin' {
  if (route.startsWith('/sessions/:id')) return 'own';
  return method === 'GET' && CLIENT_READS.has(route) ? 'read' : 'admin';
}

/**
 * An onRequest hook: the admin token reaches everything; a client's valid Cint token reaches the routes
 * of its own sessions (`client_id` is taken to be its own; another's is a 403), its sessions' list and
 * the scenarios; anything else is refused in Cint's envelope (401 without either, 403 for the
 * instance's own routes: forgetting every session, reloading the scenario files).
 */
export function requireAdminAccess(expected: string, tokens: TokenService) {
  return async (request: FastifyRequest): Promise<void> => {
    if (tokenMatches(request, expected)) return;
    const outcome = request.headers.authorization ? tokens.authenticate(request.headers.authorization) : null;
    const clientId = outcome?.ok ? outcome.identity?.clientId : undefined;
    if (clientId === undefined) {
      throw unauthorized("the admin API needs Authorization: Bearer <admin token> (CINT_MOCK_ADMIN_TOKEN), or a client's own token for its own sessions",
        bearerChallenge(request.headers.authorization, outcome && !outcome.ok ? outcome.detail : 'the token is neither the admin token nor a client token'));
    }
    const route = adminRouteOf(request);
    const access = clientAccess(request.method, route);
    if (access === 'own') {
      const query = request.query as { client_id?: string };
      if (query.client_id !== undefined && query.client_id !== clientId) {
        throw forbidden(`a client's token reaches its own sessions only: client_id ${JSON.stringify(query.client_id)} is not the token's (${JSON.stringify(clientId)})`);
      }
      query.client_id = clientId;
    } else if (access === 'admin') {
      throw forbidden(`${request.method} /__admin${route} needs the admin token (CINT_MOCK_ADMIN_TOKEN): a client's token reaches its own sessions only`);
    }
    clients.set(request, clientId);
  };
}
