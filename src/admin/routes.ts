// The admin API under /__admin: health (always open), then, unless turned off, sessions, journals and
// scenarios, behind the admin token when one is set (or a client's own token, for its own sessions),
// described by the OpenAPI document at /openapi.json, shown in Swagger UI at /docs/, and the journal page
// at / that reads them.
import swagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { documentErrors } from './document.js';
import { adminHealth } from './health.js';
import { adminPage } from './page.js';
import { sharedAdmin } from './shared.js';
import { scenarioAdminRoutes } from './scenarios.js';
import { sessionAdminRoutes } from './sessions.js';
import { webhookAdminRoutes } from './webhooks.js';
import { requireAdminAccess } from './token.js';
import { adminViewer } from './viewer.js';

export const adminRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.mock;
  const { shared } = app.mock;
  if (!config.adminEnabled) {
    await app.register(adminHealth);
    return;
  }

  await app.register(async (admin) => {
    const adminToken = config.adminToken;
    // Registered here, @fastify/swagger describes the admin routes only: Cint's API has Cint's document.
    await admin.register(swagger, {
      transform: documentErrors({ adminToken: Boolean(adminToken), shared: shared !== null }),
      openapi: {
        openapi: '3.0.3',
        info: { title: 'cint-mock admin API', version: '1' },
        servers: [{ url: '/' }],
        tags: [
          { name: 'health', description: 'Whether this instance can answer; open, with or without the admin token' },
          { name: 'sessions', description: "Each client's world: state, journal and counts" },
          { name: 'scenarios', description: 'Scenario files and which session uses which' },
          { name: 'webhooks', description: "Each session's webhook deliveries and their attempts" },
        ],
        ...(adminToken ? { components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: "the admin token; or a client's own Cint token, for its own sessions' routes" } } }, security: [{ adminToken: [] }] } : {}),
      },
    });
    // Health after the document's plugin, so that the document describes it; before the token's scope.
    await admin.register(adminHealth);
    // What a browser loads before it has a token: the journal page and the document's viewer, which
    // hold no data and read the routes below with the token the person gives the page.
    await admin.register(adminPage);
    const tokenCheck = adminToken ? requireAdminAccess(adminToken, app.mock.tokens) : undefined;
    await admin.register(adminViewer, { tokenCheck });
    await admin.register(async (data) => {
      if (tokenCheck) data.addHook('onRequest', tokenCheck);
      if (shared) sharedAdmin(data, shared);
      await data.register(sessionAdminRoutes);
      await data.register(scenarioAdminRoutes);
      await data.register(webhookAdminRoutes);
      data.get('/openapi.json', { schema: { hide: true } }, async () => data.swagger());
    });
  });
};
