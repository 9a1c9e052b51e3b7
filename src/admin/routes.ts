// The admin API under /__admin: health (always open), then, unless turned off, sessions, journals and
// scenarios, behind the admin token when one is set, described by the OpenAPI document at /openapi.json,
// shown in Swagger UI at /docs/, and the journal page at / that reads them.
import swagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { adminPage } from './page.js';
import { scenarioAdminRoutes } from './scenarios.js';
import { sessionAdminRoutes } from './sessions.js';
import { webhookAdminRoutes } from './webhooks.js';
import { requireAdminToken } from './token.js';
import { adminViewer } from './viewer.js';

export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.mock;
  app.get('/health', async () => ({ status: 'ok', sessions: app.mock.sessions.size, uptime_seconds: Math.round(process.uptime()) }));
  if (!config.adminEnabled) return;

  await app.register(async (admin) => {
    const adminToken = config.adminToken;
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
    // What a browser loads before it has a token: the journal page and the document's viewer, which
    // hold no data and read the routes below with the token the person gives the page.
    await admin.register(adminPage);
    await admin.register(adminViewer, { adminToken });
    await admin.register(async (data) => {
      if (adminToken) data.addHook('onRequest', requireAdminToken(adminToken));
      await data.register(sessionAdminRoutes);
      await data.register(scenarioAdminRoutes);
      await data.register(webhookAdminRoutes);
      data.get('/openapi.json', { schema: { hide: true } }, async () => data.swagger());
    });
  });
};
