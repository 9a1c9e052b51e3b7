// The admin token: with CINT_MOCK_ADMIN_TOKEN set, the admin API's data needs Authorization: Bearer <token>.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../cint/errors.js';

function tokenMatches(request: FastifyRequest, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** An onRequest hook refusing, with Cint's 401 envelope, a request without the admin token. */
export function requireAdminToken(expected: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!tokenMatches(request, expected)) {
      throw unauthorized('the admin API needs Authorization: Bearer <admin token> (CINT_MOCK_ADMIN_TOKEN)');
    }
  };
}
