// Admin API for scenarios: list them, reload them from disk, and choose one per session.
import { basename } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest, CintError, notFoundDetail } from '../cint/errors.js';
import { InlineScenarioSpaceError, ScenarioDefinitionError } from '../scenarios/catalog.js';
import { formatField, formatProblem } from '../scenarios/load.js';
import { chooseScenario, ScenarioNotFoundError } from '../control.js';
import { AMBIGUOUS, NoContent, SessionParams, SessionQuery } from './schemas.js';
import { oneSession } from './sessions.js';
import { adminClientOf } from './token.js';

const ScenarioSummary = Type.Object({
  name: Type.String(),
  description: Type.String(),
  origin: Type.Union([Type.Literal('builtin'), Type.Literal('user')]),
  file: Type.String({ description: 'the file it was loaded from (with a client\'s own token: its name only)' }),
  seed: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
  rules: Type.Integer(),
});

const ScenarioChoice = Type.Object({
  session: Type.String(),
  scenario: Type.Union([Type.String(), Type.Null()], { description: 'null: the realistic behaviour' }),
  chosen_by: Type.Union([Type.Literal('session'), Type.Literal('default')]),
  sent: Type.Optional(Type.Unknown({ description: 'a scenario sent for the session (inline:…): its content as sent, with the description filled in' })),
  missing: Type.Optional(Type.String({
    description: 'the scenario chosen, when it is not loaded now (its file removed or renamed): scenario is then null, the realistic behaviour, until it is loaded again',
  })),
});

const SentScenarios = Type.Object({
  bytes: Type.Integer({ description: 'bytes of their text held, counted against limit (with a client\'s own token: those its sessions chose)' }),
  limit: Type.Integer({ description: 'inlineScenarioBytes: past it a new one is refused (413) after the ones not in use are let go (with a client\'s own token: its share, inlineScenarioBytes × maxSessionsPerClient / maxSessions)' }),
  scenarios: Type.Array(Type.Object({
    name: Type.String(),
    description: Type.String(),
    seed: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
    rules: Type.Integer(),
    bytes: Type.Integer(),
    in_use: Type.Boolean({ description: 'a session\'s choice names it; one not in use goes when room is needed' }),
  })),
}, { description: 'the scenarios sent for sessions (PUT /sessions/{id}/scenario with rules) that this instance holds' });

const ScenarioList = Type.Object({ default: Type.Union([Type.String(), Type.Null()]), scenarios: Type.Array(ScenarioSummary), sent: SentScenarios });

const tags = ['scenarios'];

export const scenarioAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const catalog = app.mock.scenarios;

  const listing = (client?: string) => ({
    default: catalog.defaultName,
    scenarios: catalog.list().map(({ scenario, origin }) => ({
      name: scenario.name,
      description: scenario.description,
      origin,
      // A client's own token is told the file's name, not where the server keeps it.
      file: client === undefined ? scenario.file : basename(scenario.file),
      seed: scenario.seed,
      rules: scenario.rules.length,
    })),
    sent: catalog.sentScenarios(client),
  });

  app.get('/scenarios', {
    schema: { tags, summary: 'The scenarios loaded, built-in and the user folder, with their descriptions, and the ones sent for sessions', response: { 200: ScenarioList } },
  }, async (request) => listing(adminClientOf(request)));

  app.post('/scenarios/reload', {
    config: { errors: { 400: 'A scenario file has problems: invalid_params names each file and where; the scenarios loaded before stay.' } },
    schema: { tags, summary: 'Read the scenario folders again now; on any problem the scenarios in use stay', response: { 200: ScenarioList } },
  }, async () => {
    const outcome = await catalog.reload();
    if (!outcome.ok) {
      throw badRequest(outcome.error.problems.map((problem) => ({ name: problem.file, reason: formatProblem(problem) })),
        'the scenario files have problems; the scenarios in use are unchanged');
    }
    return listing();
  });

  // Without client_id a choice is for the name: every client's session of that name, now and later.
  app.get('/sessions/:id/scenario', {
    config: { errors: AMBIGUOUS },
    schema: { tags, summary: 'The scenario answering a session\'s requests', params: SessionParams, querystring: SessionQuery, response: { 200: ScenarioChoice } },
  }, async (request) => {
    const { id } = request.params;
    const clientId = request.query.client_id;
    // As every read of one session: 409 where several clients use the name, and the session's own choice
    // where one does. A name no session has yet answers the choice its first session will get.
    const session = oneSession(app.mock.sessions, id, clientId);
    return { session: id, ...catalog.choiceOf(id, session ? session.clientId : clientId) };
  });

  app.put('/sessions/:id/scenario', {
    config: {
      errors: {
        400: 'The body is not valid, names no loaded scenario, or sends a scenario with problems: invalid_params names each.',
        404: 'With a client\'s token: that client has no session of that name yet.',
        413: 'The body is larger than the server accepts, or the scenarios sent for sessions would take more than inlineScenarioBytes allows.',
      },
    },
    schema: {
      tags,
      summary: 'Choose the scenario for a session (null: the realistic behaviour), or send its rules; its progress starts afresh',
      description: 'A loaded scenario\'s name, null, or a scenario itself: `{"rules": [...]}` as in a scenario file (description and seed optional), '
        + 'checked as a file is (400 naming each problem\'s path) and named `inline:` and its digest. It answers this session (or name) only.',
      params: SessionParams,
      querystring: SessionQuery,
      body: Type.Object({
        scenario: Type.Union([
          Type.String({ minLength: 1 }),
          Type.Null(),
          Type.Object({}, { additionalProperties: true, description: 'a scenario file\'s content: {description?, seed?, rules} (schemas/scenario.schema.json)' }),
        ]),
      }, { additionalProperties: false }),
      response: { 200: ScenarioChoice },
    },
  }, async (request) => {
    const { id } = request.params;
    const clientId = request.query.client_id;
    const scenario = request.body.scenario;
    const client = adminClientOf(request);
    // A client's token chooses for sessions it has: its choices go with them, so they are bounded as they are.
    if (client !== undefined && !oneSession(app.mock.sessions, id, client)) {
      throw new CintError(404, `${notFoundDetail('id')}: a client's token chooses scenarios for its own sessions once they exist; make a request with X-Mock-Session: ${id} first`);
    }
    try {
      await chooseScenario(app.mock, id, scenario, clientId, 'admin', client);
    } catch (error) {
      if (error instanceof ScenarioDefinitionError) {
        throw badRequest(error.issues.map((issue) => ({ name: `scenario.${formatField(issue.path)}`, reason: `expected ${issue.expected}, found ${issue.found}` })),
          'the scenario sent has problems; the session\'s scenario is unchanged');
      }
      if (error instanceof InlineScenarioSpaceError && error.client !== undefined) {
        throw new CintError(413, `the scenarios your sessions chose take ${error.held} bytes of the ${error.limit} a client may hold (inlineScenarioBytes × maxSessionsPerClient / maxSessions), `
          + `and this one takes ${error.bytes}: forget the choices of sessions done with theirs (DELETE /__admin/sessions/{id}/scenario; GET /__admin/scenarios lists them)`);
      }
      if (error instanceof InlineScenarioSpaceError) {
        throw new CintError(413, `the scenarios sent for sessions take ${error.held} bytes of the ${error.limit} this instance keeps (inlineScenarioBytes), `
          + `and this one takes ${error.bytes}: forget the choices of sessions done with theirs (DELETE /__admin/sessions/{id}/scenario; GET /__admin/scenarios lists them), or load it from a scenario file`);
      }
      if (!(error instanceof ScenarioNotFoundError)) throw error;
      throw badRequest([{ name: 'scenario', reason: `'scenario' names no scenario: ${JSON.stringify(scenario)}; known scenarios: ${catalog.names().join(', ')}.` }],
        `unknown scenario ${JSON.stringify(scenario)}`);
    }
    // What was sent is not echoed back: GET shows it.
    const { sent: _sent, ...choice } = catalog.choiceOf(id, clientId);
    return { session: id, ...choice };
  });

  app.delete('/sessions/:id/scenario', {
    schema: { tags, summary: 'Forget a session\'s choice: it gets the default scenario again', params: SessionParams, querystring: SessionQuery, response: { 204: NoContent } },
  }, async (request, reply) => {
    catalog.forget(request.params.id, request.query.client_id);
    return reply.code(204).send(null);
  });
};
