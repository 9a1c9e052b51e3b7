// The admin token: with CINT_MOCK_ADMIN_TOKEN set, the admin API's data needs Authorization: Bearer <token>,
// or a client's own Cint token (from /oauth/token, or one the instance takes in authMode decode), which
// reaches that client's sessions only: so each client of a shared instance scripts, reads and resets its
// own sessions, and none reaches another's or the instance's.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import { forbidden, unauthorized } from '../cint/errors.js';

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

/** An admin request's route as the admin plugin declares it, without its /__admin prefix: `/sessions/:id/journal`. */
export const adminRouteOf = (request: FastifyRequest): string => request.routeOptions.url?.replace(/^\/__admin/, '') ?? '';

/** What a client's token may read besides its own sessions' routes: its sessions' list and the scenarios. */
const CLIENT_READS = new Set(['/sessions', '/scenarios', '/openapi.json', '/docs/json', '/docs/yaml']);

/** A route besides its own sessions' that a client's token may use: a read of CLIENT_READS. */
export const clientReads = (method: string, route: string): boolean => method === 'GET' && CLIENT_READS.has(route);

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
      throw unauthorized("the admin API needs Authorization: Bearer <admin token> (CINT_MOCK_ADMIN_TOKEN), or a client's own token for its own sessions");
    }
    const route = adminRouteOf(request);
    if (route.startsWith('/sessions/:id')) {
      const query = request.query as { client_id?: string };
      if (query.client_id !== undefined && query.client_id !== clientId) {
        throw forbidden(`a client's token reaches its own sessions only: client_id ${JSON.stringify(query.client_id)} is not the token's (${JSON.stringify(clientId)})`);
      }
      query.client_id = clientId;
    } else if (!clientReads(request.method, route)) {
      throw forbidden(`${request.method} /__admin${route} needs the admin token (CINT_MOCK_ADMIN_TOKEN): a client's token reaches its own sessions only`);
    }
    clients.set(request, clientId);
  };
}
