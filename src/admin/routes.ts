// The admin API under /__admin.
import type { FastifyPluginAsync } from 'fastify';
import { scenarioAdminRoutes } from './scenarios.js';

export const adminRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', async () => ({ status: 'ok', sessions: app.mock.sessions.size, uptime_seconds: Math.round(process.uptime()) }));
  if (app.mock.config.adminEnabled) await app.register(scenarioAdminRoutes);
};
