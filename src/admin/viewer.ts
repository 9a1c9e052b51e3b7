// The admin API's OpenAPI document in Swagger UI (@fastify/swagger-ui) at /__admin/docs/. Its page and
// assets describe the API and hold no data, so they need no token; the document itself (./json, ./yaml)
// needs the admin token as /__admin/openapi.json does, and the page sends the token the journal page
// stored (sessionStorage) with every request it makes, the document's and "Try it out"'s.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

export const VIEWER_PREFIX = '/docs';

/**
 * Swagger UI's files, found through node_modules: the plugin finds them beside its own module, which in
 * the bundled command line (scripts/finish-build.mjs) is the bundle's folder, where they are not.
 */
const SWAGGER_UI_FILES = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')), 'static');

const LOGO = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="220" height="40" viewBox="0 0 220 40">'
  + '<text x="0" y="28" font-family="sans-serif" font-size="24" font-weight="bold" fill="#fff">cint-mock admin</text></svg>',
);

/**
 * Runs in the browser (Swagger UI serializes it into its page with Function.prototype.toString), so it
 * may use nothing from this module: the storage key is the journal page's (public/admin/journal.js).
 */
function withStoredAdminToken(request: { headers: Record<string, string> }) {
  const token = window.sessionStorage.getItem('cint-mock-admin-token');
  if (token && !request.headers.Authorization && !request.headers.authorization) request.headers.Authorization = `Bearer ${token}`;
  return request;
}

/** `tokenCheck`: the admin API's (admin/token.ts), which the document's files need as its routes do. */
export const adminViewer: FastifyPluginAsync<{ tokenCheck?: ((request: FastifyRequest) => Promise<void>) | undefined }> = async (app, { tokenCheck }) => {
  const isDocument = (request: FastifyRequest) => /\/(json|yaml)$/.test(request.routeOptions.url ?? '');
  await app.register(swaggerUi, {
    routePrefix: VIEWER_PREFIX,
    baseDir: SWAGGER_UI_FILES,
    indexPrefix: app.prefix,
    logo: { type: 'image/svg+xml', content: LOGO },
    theme: { title: 'cint-mock admin API' },
    uiConfig: { requestInterceptor: withStoredAdminToken as never, tryItOutEnabled: true },
    ...(tokenCheck ? { uiHooks: { onRequest: async (request: FastifyRequest) => { if (isDocument(request)) await tokenCheck(request); } } } : {}),
  });
};
