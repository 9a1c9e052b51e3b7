// With a shared store, the admin API sees and changes sessions as the store holds them: a route on a
// session brings it in first (with its journal for the journal and counts); a route that changes one
// (clock, jobs, fielding, scenario) holds it meanwhile and saves it before answering; resets and
// deletes reach the store too (admin/sessions.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { replaceAnswer } from '../hooks/shared.js';
import type { RedisSessions } from '../sessions/redis.js';
import type { Session } from '../sessions/store.js';
import { storeUnavailable } from '../sessions/unavailable.js';
import { adminRouteOf } from './token.js';

const CHANGES = new Set(['/sessions/:id/clock', '/sessions/:id/jobs', '/sessions/:id/fielding', '/sessions/:id/scenario']);
const WITH_JOURNAL = new Set(['/sessions/:id/journal', '/sessions/:id/counts']);

export function sharedAdmin(app: FastifyInstance, shared: RedisSessions): void {
  const held = new WeakMap<FastifyRequest, Session[]>();
  app.addHook('preHandler', async (request) => {
    const route = adminRouteOf(request);
    const id = (request.params as { id?: string }).id;
    const clientId = (request.query as { client_id?: string } | undefined)?.client_id;
    try {
      if (id === undefined) {
        if (route === '/sessions' && request.method === 'GET') await shared.pullAll();
        return;
      }
      await shared.pull(id, clientId, WITH_JOURNAL.has(route));
      if ((request.method === 'POST' || request.method === 'PUT') && CHANGES.has(route)) {
        const sessions = app.mock.sessions.named(id, clientId);
        const taken: Session[] = [];
        held.set(request, taken);
        for (const session of sessions) {
          await shared.acquire(session);
          taken.push(session);
        }
      }
    } catch (error) {
      throw storeUnavailable(error, shared.url);
    }
  });
  // Saved before the answer says the change was made; given back even when the route refused it.
  app.addHook('onSend', async (request, reply, payload) => {
    const sessions = held.get(request);
    if (!sessions) return payload;
    held.delete(request);
    const outcomes = await Promise.allSettled(sessions.map((session) => shared.release(session)));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (!failed || reply.statusCode >= 400) return payload;
    return replaceAnswer(reply, storeUnavailable(failed.reason, shared.url));
  });
}
