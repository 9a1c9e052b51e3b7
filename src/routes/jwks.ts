// GET /.well-known/jwks.json: the public key of the mock's RS256 tokens, for clients that verify them.
// Registered only with RS256: with HS256 the path is an unknown route (404 in Cint's envelope).
import type { FastifyPluginAsync } from 'fastify';
import type { PublicJwk } from '../auth/keys.js';

/** Where the key set is served: the path Auth0 publishes keys at, whose style Cint's auth.cint.com follows. */
export const JWKS_PATH = '/.well-known/jwks.json';

export const jwksRoute: FastifyPluginAsync<{ jwks: { keys: PublicJwk[] } }> = async (app, { jwks }) => {
  // The key never changes while the instance runs: the body is written once.
  const body = JSON.stringify(jwks);
  app.get(JWKS_PATH, { exposeHeadRoute: false }, async (_request, reply) => reply
    .type('application/json; charset=utf-8')
    // A restart without jwtPrivateKeyFile brings a new key; JOSE clients fetch again for an unknown kid.
    .header('cache-control', 'public, max-age=300')
    .send(body));
};
