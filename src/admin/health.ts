// GET /__admin/health: whether this instance can answer. Open to all, with or without the admin token, as
// a load balancer or a container's healthcheck sends none; there even with the admin API turned off.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { storeUnavailable } from '../sessions/unavailable.js';

const Health = Type.Object({
  status: Type.Literal('ok'),
  sessions: Type.Integer({ description: 'the sessions in the store: with Redis, those every instance shares (used within sessionIdleTimeout); in memory, this process\'s' }),
  uptime_seconds: Type.Integer(),
  store: Type.Object({
    kind: Type.Union([Type.Literal('memory'), Type.Literal('redis')], { description: 'where sessions live: this process, or a shared Redis (or Valkey)' }),
    status: Type.Literal('ok'),
  }),
});

export const adminHealth: FastifyPluginAsyncTypebox = async (app) => {
  const { shared } = app.mock;
  app.get('/health', {
    schema: {
      tags: ['health'],
      summary: 'Whether this instance can answer: with a Redis store, not while the store is unreachable (503)',
      // No token asked, whatever the document's default (document.ts leaves out the 401 and 403 too).
      security: [],
      response: { 200: Health },
    },
  }, async () => {
    let sessions = app.mock.sessions.size;
    if (shared) {
      // One command tells both whether the store answers and how many sessions it holds.
      try {
        sessions = await shared.sessionCount();
      } catch (error) {
        throw storeUnavailable(error, shared.url);
      }
    }
    return {
      status: 'ok' as const, sessions, uptime_seconds: Math.round(process.uptime()),
      store: { kind: shared ? 'redis' as const : 'memory' as const, status: 'ok' as const },
    };
  });
};
