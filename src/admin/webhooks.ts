// Admin API for webhook deliveries: each session's deliveries with their attempts, and a long poll for
// the next one, so a test (in any language) can assert on what its receiver was sent without sleeping.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CintError, conflict } from '../cint/errors.js';
import { DELIVERY_STATUSES, DeliveryTimeoutError, deliveryView, TooManyWaitersError } from '../webhooks/delivery.js';
import { AMBIGUOUS, ONE_SESSION, SessionParams, SessionQuery } from './schemas.js';
import { existingSession, oneSession } from './sessions.js';

const tags = ['webhooks'];

const Status = Type.Union(DELIVERY_STATUSES.map((status) => Type.Literal(status)), { description: "Cint's delivery status" });
const EventType = Type.Union([Type.Literal('target-group-updated'), Type.Literal('quota-fill-registered'), Type.Literal('session-updated')]);

const Attempt = Type.Object({
  at: Type.String({ format: 'date-time', description: 'when it was sent (real time)' }),
  url: Type.String(),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: "the receiver's status; null when it did not answer" }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why there was no answer: refused, timed out, …' }),
  duration_ms: Type.Number(),
  signature: Type.Union([Type.String(), Type.Null()], { description: 'the Cint-Signature header sent; null when a scenario left it out' }),
});

const Delivery = Type.Object({
  id: Type.String({ description: 'the delivery id (a ULID), the cursor of `after`' }),
  webhook_id: Type.String(),
  event_id: Type.String({ description: "the event's id: the body's `id`, the same in every retry and copy" }),
  event_type: EventType,
  copy: Type.Integer({ description: "1, or 2… for the copies a scenario's duplicate makes" }),
  status: Status,
  note: Type.Union([Type.String(), Type.Null()], { description: "why it ended so when it was not the receiver's answer" }),
  created_at: Type.String({ format: 'date-time' }),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  attempts: Type.Array(Attempt),
  body: Type.String({ description: 'the JSON text POSTed' }),
});

const Filter = {
  webhook_id: Type.Optional(Type.String({ minLength: 1 })),
  type: Type.Optional(EventType),
};

export const webhookAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, webhooks } = app.mock;

  app.get('/sessions/:id/deliveries', {
    config: { errors: AMBIGUOUS },
    schema: {
      tags, summary: "The session's webhook deliveries, newest first, each with its attempts",
      params: SessionParams,
      querystring: Type.Object({ ...SessionQuery.properties, ...Filter, status: Type.Optional(Status), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
      response: { 200: Type.Object({ deliveries: Type.Array(Delivery) }) },
    },
  }, async (request) => {
    const { client_id: clientId, webhook_id: webhookId, type, status, limit } = request.query;
    const session = oneSession(sessions, request.params.id, clientId);
    return { deliveries: session ? webhooks.deliveries(session, { webhookId, type, status, limit }).map(deliveryView) : [] };
  });

  app.get('/sessions/:id/deliveries/next', {
    config: {
      errors: {
        ...ONE_SESSION,
        408: 'No delivery reached a status asked for within timeout_ms.',
        409: 'Several clients use that session name (give client_id), or too many requests already wait on the session\'s deliveries.',
      },
    },
    schema: {
      tags,
      summary: 'Wait for the next delivery (the first after `after`, of that webhook and type) to be delivered or expired, or to reach one of `status`; 408 after timeout_ms',
      params: SessionParams,
      querystring: Type.Object({
        ...SessionQuery.properties, ...Filter,
        after: Type.Optional(Type.String({ minLength: 1, description: 'a delivery id: only deliveries made after it' })),
        status: Type.Optional(Type.Array(Status, { description: 'statuses worth answering besides delivered and expired (repeat the parameter)' })),
        timeout_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000, default: 5000 })),
      }),
      response: { 200: Delivery },
    },
  }, async (request) => {
    const { client_id: clientId, webhook_id: webhookId, type, after, status, timeout_ms: timeoutMs = 5000 } = request.query;
    const session = existingSession(sessions, request.params.id, clientId);
    try {
      return deliveryView(await webhooks.next(session, { webhookId, type, after, statuses: status }, timeoutMs));
    } catch (error) {
      if (error instanceof DeliveryTimeoutError) throw new CintError(408, error.message);
      if (error instanceof TooManyWaitersError) throw conflict(error.message);
      throw error;
    }
  });
};
