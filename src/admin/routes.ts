// The admin API under /__admin: health (always open), then, unless turned off, sessions, journals and
// scenarios, behind the admin token when one is set, described by the OpenAPI document at /openapi.json.
import { timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { unauthorized } from '../cint/errors.js';
import { scenarioAdminRoutes } from './scenarios.js';
import { sessionAdminRoutes } from './sessions.js';
import { webhookAdminRoutes } from './webhooks.js';

function tokenMatches(request: FastifyRequest, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.mock;
  app.get('/health', async () => ({ status: 'ok', sessions: app.mock.sessions.size, uptime_seconds: Math.round(process.uptime()) }));
  if (!config.adminEnabled) return;

  await app.register(async (admin) => {
    const adminToken = config.adminToken;
    if (adminToken) {
      admin.addHook('onRequest', async (request) => {
        if (!tokenMatches(request, adminToken)) {
          throw unauthorized('the admin API needs Authorization: Bearer <admin token> (CINT_MOCK_ADMIN_TOKEN)');
        }
      });
    }
    // Registered here, @fastify/swagger describes the admin routes only: Cint's API has Cint's document.
    await admin.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'cint-mock admin API', version: '1' },
        servers: [{ url: '/' }],
        tags: [
          { name: 'sessions', description: "Each client's world: state, journal and counts" },
          { name: 'scenarios', description: 'Scenario files and which session uses which' },
          { name: 'webhooks', description: "Each session's webhook deliveries and their attempts" },
        ],
        ...(adminToken ? { components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } }, security: [{ adminToken: [] }] } : {}),
      },
    });
    await admin.register(sessionAdminRoutes);
    await admin.register(scenarioAdminRoutes);
    await admin.register(webhookAdminRoutes);
    admin.get('/openapi.json', { schema: { hide: true } }, async () => admin.swagger());
  });
};
