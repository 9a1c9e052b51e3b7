// Admin API for sessions: list, reset, delete, and each session's request journal and counts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest, CintError, conflict, notFoundDetail } from '../cint/errors.js';
import { filterProblems, JOURNAL_HEADERS, REDACTED, type CountFilter } from '../journal/journal.js';
import { changeFielding, clockOf, jobTimingView, moveClock, setJobTiming, type ClockChange, type JobTimingChangeData } from '../sessions/clock.js';
import { FieldingSettingsError, FieldingSettingsSchema, fieldingView, type FieldingChange } from '../sessions/simulator.js';
import { AmbiguousSessionError, summaryOf, type Session, type SessionStore } from '../sessions/store.js';
import { FAULTS } from '../scenarios/schema.js';
import { AMBIGUOUS, NoContent, ONE_SESSION, SessionParams, SessionQuery } from './schemas.js';
import { adminClientOf } from './token.js';

const SessionSummary = Type.Object({
  id: Type.String({ description: 'the name clients use: a client id, or an X-Mock-Session name' }),
  client_id: Type.Union([Type.String(), Type.Null()], { description: 'the client it belongs to; null when shared by name' }),
  created_at: Type.String({ format: 'date-time' }),
  last_seen_at: Type.String({ format: 'date-time' }),
  requests: Type.Integer({ description: 'the requests its client made to Cint operations since it was made or reset; its journal also keeps those refused before (an expired token) and those no route took (404, 405), which its counts count' }),
  objects: Type.Integer(),
  bytes: Type.Integer({ description: 'bytes of stored request data it holds, counted against maxSessionBytes' }),
  scenario: Type.Union([Type.String(), Type.Null()], { description: "the scenario answering its requests (its choice, its name's, else the instance's); null: the realistic behaviour" }),
  clock: Type.Object({
    now: Type.String({ format: 'date-time', description: 'what time it is for its runs and jobs' }),
    offset_ms: Type.Number({ description: 'how far its clock is from the real one' }),
  }),
});

/** The requests whose answer a scenario fault met: one fault's, or any's. */
const FaultFilter = Type.Optional(Type.Union([...FAULTS, 'any'].map((fault) => Type.Literal(fault)), {
  description: `a scenario fault (${FAULTS.join(', ')}), or any: the requests whose answer it broke, lost or cut off`,
}));

const JournalQuery = Type.Object({
  ...SessionQuery.properties,
  operation: Type.Optional(Type.String({ description: "a Cint operation id, or '(none)': the requests no route took (404, 405)" })),
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 599, description: 'an HTTP status, or 0: no answer went out (a scenario fault broke the connection, or the client left during a scripted delay)' })),
  fault: FaultFilter,
  method: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
});

const JournalEntry = Type.Object({
  request_id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  session: Type.String(),
  operation: Type.Union([Type.String(), Type.Null()]),
  method: Type.String(),
  path: Type.String(),
  query: Type.Record(Type.String(), Type.Unknown(), { description: 'the query as sent: each parameter\'s text, a list when it was repeated' }),
  headers: Type.Optional(Type.Record(Type.String(), Type.String(), {
    description: `the request headers sent of ${JOURNAL_HEADERS.join(', ')}, by lower-case name (a repeated one joined with ", "); authorization's value is ${REDACTED}`,
  })),
  status: Type.Integer(),
  duration_ms: Type.Number(),
  scenario: Type.Union([Type.Object({
    name: Type.String(),
    rule: Type.Integer({ description: 'the index of the rule that answered in its scenario\'s rules, from 0 (-1 for a Prefer header)' }),
    step: Type.Optional(Type.Integer({ description: 'for a rule of several steps (a sequence), the index of the one that answered, from 0' })),
  }), Type.Null()]),
  replayed: Type.Boolean(),
  fault: Type.Optional(Type.String({
    description: 'the scenario fault the answer met: status is then 0 (the connection broken, no answer), the status of the answer made and then lost '
      + '(the fault of a passthrough, job or webhook step), or the status sent with a body cut off (malformed_body)',
  })),
  body: Type.Optional(Type.Unknown({ description: 'the request body as sent, when it was at most 4 KB: its JSON (before validation trims it or fills in defaults), or its text when it is not JSON' })),
  response_body: Type.Optional(Type.String({ description: 'the response body as sent, as text, when it was at most 4 KB' })),
  response_headers: Type.Optional(Type.Record(Type.String(), Type.String(), {
    description: 'the response headers as the mock set them, by lower-case name (a list joined with ", "): not Content-Length, nor the Date, Connection and Keep-Alive '
      + 'Node adds as it writes; absent when no answer went out (status 0)',
  })),
});

const tags = ['sessions'];

/** The one session a name (and client id) names; 409 when several clients use the name. */
export function oneSession(sessions: SessionStore, name: string, clientId: string | undefined): Session | undefined {
  try {
    return sessions.find(name, clientId);
  } catch (error) {
    if (error instanceof AmbiguousSessionError) throw conflict(error.message);
    throw error;
  }
}

/** The one session a name (and client id) names, which must exist: 404 naming `id`, and saying how to make it, otherwise. */
export function existingSession(sessions: SessionStore, name: string, clientId: string | undefined): Session {
  const session = oneSession(sessions, name, clientId);
  if (!session) throw noSessionYet(name);
  return session;
}

/** A journal or counts filter that can match no request (an operation id mistyped) is a 400 naming it: it would count 0. */
function checkFilter(filter: CountFilter & { method?: string | undefined }): void {
  const problems = filterProblems(filter);
  if (problems.length === 0) return;
  throw badRequest(problems, problems.map(({ name }) => `unknown ${name} ${JSON.stringify(filter[name as keyof CountFilter])}`).join(', '));
}

/** A session is made by its first API request; its clock, jobs and fielding settings are set once it exists. */
export const noSessionYet = (name: string) => new CintError(404,
  `${notFoundDetail('id')}: no session named ${JSON.stringify(name)} yet; a session starts with its first request `
  + `(a token of client ${JSON.stringify(name)}, or X-Mock-Session: ${name}), so make one first, GET /v1/accounts say`);

export const sessionAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, journals, scenarios } = app.mock;
  const summary = (session: Session) => ({
    ...summaryOf(session),
    scenario: scenarios.choiceOf(session.name, session.clientId).scenario,
    clock: clockOf(session),
  });

  app.get('/sessions', {
    schema: { tags, summary: 'List the sessions held in memory, most recently used first', response: { 200: Type.Object({ sessions: Type.Array(SessionSummary) }) } },
  }, async (request) => {
    // A client's token lists its own sessions.
    const client = adminClientOf(request);
    return { sessions: (client === undefined ? sessions.all() : sessions.all().filter((session) => session.clientId === client)).map(summary) };
  });

  app.delete('/sessions', {
    schema: { tags, summary: 'Forget every session: state, journals, counters and scenario choices', response: { 204: NoContent } },
  }, async (_request, reply) => {
    scenarios.forgetAll();
    await sessions.clear();
    return reply.code(204).send(null);
  });

  app.get('/sessions/:id', {
    config: { errors: ONE_SESSION },
    schema: { tags, summary: "A session's summary", params: SessionParams, querystring: SessionQuery, response: { 200: SessionSummary } },
  }, async (request) => {
    return summary(existingSession(sessions, request.params.id, request.query.client_id));
  });

  app.post('/sessions/:id/reset', {
    schema: {
      tags, summary: "Reset a session's state: its objects, idempotency keys, journal and scenario counters (every client's of that name without client_id)",
      params: SessionParams, querystring: SessionQuery, response: { 204: NoContent },
    },
  }, async (request, reply) => {
    await sessions.delete(request.params.id, request.query.client_id);
    return reply.code(204).send(null);
  });

  app.delete('/sessions/:id', {
    schema: {
      tags, summary: "Delete a session: its state and its scenario choice (every client's of that name without client_id)",
      params: SessionParams, querystring: SessionQuery, response: { 204: NoContent },
    },
  }, async (request, reply) => {
    scenarios.forget(request.params.id, request.query.client_id);
    await sessions.delete(request.params.id, request.query.client_id);
    return reply.code(204).send(null);
  });

  app.get('/sessions/:id/journal', {
    config: { errors: AMBIGUOUS },
    schema: {
      tags, summary: "The session's requests, newest first (none for a name no session has: not used yet, or reset)", params: SessionParams, querystring: JournalQuery,
      response: { 200: Type.Object({ entries: Type.Array(JournalEntry) }) },
    },
  }, async (request) => {
    const { client_id: clientId, ...filter } = request.query;
    checkFilter(filter);
    // A name no session has made no requests: not the 404 of the clock and the other settings, so that a
    // test can assert its client made no call before its first one, or after a reset (which forgets the session).
    const session = oneSession(sessions, request.params.id, clientId);
    return { entries: session ? journals.of(session).entries(filter) : [] };
  });

  const Clock = Type.Object({ session: Type.String(), now: Type.String({ format: 'date-time' }), offset_ms: Type.Number() });
  const ClockChangeBody = Type.Union([
    Type.Object({ advance: Type.String({ description: 'an ISO 8601 duration: P1D, PT2H30M, P2W' }) }, { additionalProperties: false }),
    Type.Object({ set: Type.String({ description: 'the instant the clock shows from now on' }) }, { additionalProperties: false }),
    Type.Object({ reset: Type.Literal(true) }, { additionalProperties: false }),
  ]);

  app.get('/sessions/:id/clock', {
    config: { errors: ONE_SESSION },
    schema: { tags, summary: "The session's clock: what time it is for its runs", params: SessionParams, querystring: SessionQuery, response: { 200: Clock } },
  }, async (request) => {
    const session = existingSession(sessions, request.params.id, request.query.client_id);
    return { session: session.name, ...clockOf(session) };
  });

  app.post('/sessions/:id/clock', {
    config: { errors: ONE_SESSION },
    schema: {
      tags, summary: "Move the session's clock: {advance: 'P1D'}, {set: '2030-01-31T12:00:00Z'} or {reset: true}; live runs whose end has come are paused",
      params: SessionParams, querystring: SessionQuery, body: ClockChangeBody, response: { 200: Clock },
    },
  }, async (request) => {
    const session = existingSession(sessions, request.params.id, request.query.client_id);
    try {
      moveClock(session, request.body as ClockChange);
    } catch (error) {
      if (error instanceof RangeError) throw badRequest([{ name: Object.keys(request.body)[0]!, reason: error.message }], 'the clock change is not valid');
      throw error;
    }
    return { session: session.name, ...clockOf(session) };
  });

  const JobTimingView = Type.Object({
    session: Type.String(),
    polls: Type.Integer({ description: "polls of a job's status that answer Processing before it may end" }),
    duration: Type.String({ description: "time on the session's clock a job takes, as an ISO 8601 duration" }),
    source: Type.Union([Type.Literal('session'), Type.Literal('instance')], { description: "session: set for this session; instance: the instance's jobPolls and jobDuration" }),
  });
  const JobTimingChange = Type.Union([
    Type.Object({
      polls: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
      duration: Type.Optional(Type.String({ description: 'an ISO 8601 duration: PT5S, PT2M' })),
    }, { additionalProperties: false, minProperties: 1 }),
    Type.Object({ reset: Type.Literal(true) }, { additionalProperties: false }),
  ]);

  app.get('/sessions/:id/jobs', {
    config: { errors: ONE_SESSION },
    schema: { tags, summary: "How long the session's jobs stay Processing", params: SessionParams, querystring: SessionQuery, response: { 200: JobTimingView } },
  }, async (request) => {
    const session = existingSession(sessions, request.params.id, request.query.client_id);
    return jobTimingView(session, app.mock.jobTiming);
  });

  app.put('/sessions/:id/jobs', {
    config: { errors: ONE_SESSION },
    schema: {
      tags, summary: "Set how long the session's jobs stay Processing: {polls: 2, duration: 'PT30S'}, or {reset: true} for the instance's",
      params: SessionParams, querystring: SessionQuery, body: JobTimingChange, response: { 200: JobTimingView },
    },
  }, async (request) => {
    const session = existingSession(sessions, request.params.id, request.query.client_id);
    try {
      setJobTiming(session, app.mock.jobTiming, request.body as JobTimingChangeData);
    } catch (error) {
      if (error instanceof RangeError) throw badRequest([{ name: 'duration', reason: error.message }], 'the job timing is not valid');
      throw error;
    }
    return jobTimingView(session, app.mock.jobTiming);
  });

  const { seed: seedSchema, ...rates } = FieldingSettingsSchema.properties;
  const FieldingView = Type.Object({
    session: Type.String(),
    ...Object.fromEntries(Object.entries(rates).map(([key, schema]) => [key, Type.Number({ description: schema.description })])),
    drop_off: Type.Number({ description: 'the share of starts that drop off: what complete, screen_out and over_quota leave' }),
    seed: Type.Union([Type.Integer(), Type.String()], { description: "the seed of target groups that start fielding from now on (the session's name unless set)" }),
    source: Type.Union([Type.Literal('session'), Type.Literal('instance')], { description: "session: set for this session; instance: the instance's fielding option" }),
  });
  const FieldingChangeBody = Type.Union([
    Type.Partial(Type.Object({ ...rates, seed: seedSchema }), { additionalProperties: false, minProperties: 1 }),
    Type.Object({ reset: Type.Literal(true) }, { additionalProperties: false }),
  ]);
  const fieldingAnswer = (session: Session) => ({ session: session.name, ...fieldingView(session) });

  app.get('/sessions/:id/fielding', {
    config: { errors: ONE_SESSION },
    schema: { tags, summary: "The fielding simulator's rates and seed for the session's live target groups", params: SessionParams, querystring: SessionQuery, response: { 200: FieldingView } },
  }, async (request) => fieldingAnswer(existingSession(sessions, request.params.id, request.query.client_id)));

  app.put('/sessions/:id/fielding', {
    config: { errors: ONE_SESSION },
    schema: {
      tags, summary: "Set how the session's live target groups fill: {starts_per_hour: 60, complete: 0.5, seed: 7} (the rest stay), or {reset: true} for the instance's",
      params: SessionParams, querystring: SessionQuery, body: FieldingChangeBody, response: { 200: FieldingView },
    },
  }, async (request) => {
    const session = existingSession(sessions, request.params.id, request.query.client_id);
    try {
      changeFielding(session, request.body as FieldingChange);
    } catch (error) {
      if (error instanceof FieldingSettingsError) throw badRequest([{ name: error.field, reason: error.message }], 'the fielding rates are not valid');
      throw error;
    }
    return fieldingAnswer(session);
  });

  app.get('/sessions/:id/counts', {
    config: { errors: AMBIGUOUS },
    schema: {
      tags, summary: 'How many requests the session made (0 for a name no session has: not used yet, or reset), by operation and status, and those whose answer a scenario fault met', params: SessionParams,
      querystring: Type.Object({ ...SessionQuery.properties, operation: Type.Optional(Type.String()), status: JournalQuery.properties.status, fault: FaultFilter }),
      response: {
        200: Type.Object({
          count: Type.Integer({ description: 'the requests the filter matches' }),
          by_operation: Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer()), { description: 'requests by operation and status (0: no answer)' }),
          faults: Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer()), { description: 'of those, the ones whose answer a scenario fault met, by operation and fault' }),
        }),
      },
    },
  }, async (request) => {
    const { client_id: clientId, ...filter } = request.query;
    checkFilter(filter);
    // 0 for a name no session has, as the journal is empty: "made no call" holds before the first.
    const session = oneSession(sessions, request.params.id, clientId);
    if (!session) return { count: 0, by_operation: {}, faults: {} };
    const journal = journals.of(session);
    return { count: journal.count(filter), by_operation: journal.summary(), faults: journal.faultSummary() };
  });
};
