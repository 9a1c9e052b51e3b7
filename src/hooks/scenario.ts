// Asks the scenario engine how each Cint request is answered, and answers as scripted when a rule (or
// a Prism-style `Prefer: code=NNN`) says so. Runs in preValidation: after authentication and body
// parsing, so rules see the JSON body, and before the required-headers check and validation, so a
// scripted answer does not depend on the request being valid.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { badRequest, bearerChallenge, envelope, errorDefaults, notFoundDetail } from '../cint/errors.js';
import { sendEnvelope } from '../cint/error-handler.js';
import { operation, type OperationId } from '../cint/operations.js';
import type { RouteMethods } from '../cint/route-methods.js';
import { documentedResponse } from '../api/answers.js';
import type { CompiledScenario, CompiledStep, RequestFacts } from '../scenarios/compile.js';
import { decideResponse } from '../scenarios/decide.js';
import { breakConnection, loseAnswer } from '../scenarios/faults.js';
import type { LostAnswerFault } from '../scenarios/schema.js';
import { elapsedMs, recordRequest } from './journal.js';
import { journalUntaken, letGo, setDown, takeUp } from './shared.js';
import type { Session } from '../sessions/store.js';

export const SCENARIO_HEADER = 'x-mock-scenario';

const PREFER_CODE = /(?:^|[\s,;])code\s*=\s*"?([^\s,;"]*)"?/i;

export function scenarioEngine(app: FastifyInstance, routes: RouteMethods): void {
  const catalog = app.mock.scenarios;
  /** Passthrough answers that keep the realistic body but change its status or add headers. */
  const adjusted = new WeakMap<FastifyRequest, CompiledStep>();

  app.addHook('preValidation', (request, reply, done) => {
    let decided: Decided | null;
    try {
      decided = decide(request);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (decided === null) {
      done();
      return;
    }
    const { delayMs } = decided;
    if (delayMs <= 0) {
      answer(request, reply, decided, done);
      return;
    }
    void setDown(app, request).then(() => stillOpenAfter(delayMs, reply.raw)).then(async (open) => {
      if (open) {
        await takeUp(app, request);
        answer(request, reply, decided, done);
        return;
      }
      // The client gave up while it waited: there is no one left to answer, but it did make the call.
      reply.hijack();
      await journalGone(request);
    }).catch((error: unknown) => done(error as Error));
  });

  /**
   * A request whose client left during its delay goes in the journal and the counts as one that got no
   * answer, status 0, with no `fault`: no scenario fault met it, its client went. Its session was set down
   * for the delay, so with a shared store the entry is saved as an untaken request's is.
   */
  async function journalGone(request: FastifyRequest): Promise<void> {
    request.log.info({ request_id: request.id, session: request.cint.sessionId, operation: request.cint.operation?.id, scenario: request.cint.scenario },
      'the client left during the scenario\'s delay: no answer sent');
    recordRequest(app, request, 0, null, elapsedMs(request));
    if (app.mock.shared) await journalUntaken(app.mock.shared, request);
  }

  /** The step that answers this request and how long it waits first; null: the realistic answer, as is. */
  function decide(request: FastifyRequest): Decided | null {
    const context = request.cint;
    const operationId = context.operation?.id;
    const session = context.session;
    if (!operationId || !session) return null;
    context.scenario = null;

    const preferred = preferredStatus(request.headers.prefer);
    if (preferred !== null) {
      context.scenario = { name: `Prefer: code=${preferred}`, rule: -1 };
      return { step: preferStep(preferred), delayMs: 0 };
    }

    const scenario = scenarioFor(request, session);
    const rules = scenario?.byOperation.get(operationId);
    if (!scenario || !rules) return null;
    // Rate limits count on the session's clock: real time, moved on with the admin API's clock.
    const decision = decideResponse(rules, factsOf(request, operationId), catalog.stateOf(session, scenario), session.now());
    if (!decision) return null;
    context.scenario = decision.position === null ? { name: scenario.name, rule: decision.rule } : { name: scenario.name, rule: decision.rule, step: decision.position };
    return decision;
  }

  app.addHook('onSend', (request, reply, payload, done) => {
    const step = adjusted.get(request);
    if (step) {
      reply.headers(step.headers);
      if (step.lostAnswer !== null) loseAnswerOf(request, reply, step.lostAnswer);
      // Only a realistic success changes status: a 404 for an unknown id stays a 404.
      if (step.status !== null && reply.statusCode >= 200 && reply.statusCode < 300) {
        reply.code(step.status);
        // 205 has no content to send (204's is dropped by Fastify): the realistic body is left out.
        if (step.status === 205) {
          reply.removeHeader('content-type');
          done(null, null);
          return;
        }
      }
    }
    done(null, payload);
  });

  /**
   * The realistic answer, made (and kept for an Idempotency-Key replay, the session saved: the onSend hooks
   * after this one), is lost as Fastify writes it: one log line for it, as for the other faults.
   */
  function loseAnswerOf(request: FastifyRequest, reply: FastifyReply, fault: LostAnswerFault): void {
    request.cint.lostAnswer = fault;
    request.log.info({
      request_id: request.id, session: request.cint.sessionId, operation: request.cint.operation?.id, scenario: request.cint.scenario, status: reply.statusCode, fault,
    }, `scenario fault: ${fault}, after the request was carried out`);
    loseAnswer(request, reply, fault, app.mock.config.hangTimeoutMs);
  }

  function scenarioFor(request: FastifyRequest, session: Session): CompiledScenario | null {
    const header = request.headers[SCENARIO_HEADER];
    if (header === undefined) return catalog.scenarioOf(session);
    const name = Array.isArray(header) ? header[0] ?? '' : header;
    const loaded = catalog.get(name);
    if (!loaded) {
      throw badRequest([{ name: 'X-Mock-Scenario', reason: `'X-Mock-Scenario' names no scenario: ${JSON.stringify(name)}; known scenarios: ${catalog.names().join(', ')}.` }],
        `unknown scenario ${JSON.stringify(name)}`);
    }
    return loaded.scenario;
  }

  /** Answers as the decided step says; a step that keeps the realistic answer passes the request on (`done`). */
  function answer(request: FastifyRequest, reply: FastifyReply, { step, windowEndsAt }: Decided, done: HookHandlerDoneFunction): void {
    const operationId = request.cint.operation!.id;
    // Counted as it is sent, after any delay: the seconds left in the window then.
    const retryAfterSeconds = windowEndsAt === undefined ? undefined : Math.max(1, Math.ceil((windowEndsAt - request.cint.session!.now()) / 1000));
    switch (step.kind) {
      case 'job':
      case 'webhook':
        // The realistic handler makes the job, or publishes the events, as the step says.
        request.cint.jobScript = step.job;
        request.cint.deliveryScript = step.webhook;
      // falls through
      case 'passthrough':
        if (step.status !== null || step.lostAnswer !== null || Object.keys(step.headers).length > 0) adjusted.set(request, step);
        done();
        return;
      case 'respond':
        sendScripted(request, reply, operationId, step, statusHeaders(request, step, step.status!, retryAfterSeconds));
        return;
      case 'fault': {
        const status = step.status ?? successStatusWithBody(operationId);
        request.log.info({ request_id: request.id, session: request.cint.sessionId, operation: operationId, scenario: request.cint.scenario, fault: step.fault }, `scenario fault: ${step.fault}`);
        const sent = breakConnection(request, reply, step.fault!, { status, headers: statusHeaders(request, step, status), hangMs: app.mock.config.hangTimeoutMs });
        // malformed_body sends a status, its headers and its cut-off body, which the journal keeps as sent; the others send none.
        if (sent !== undefined) request.cint.responseBody = sent.body;
        recordRequest(app, request, sent === undefined ? 0 : status, sent?.headers ?? null, elapsedMs(request), step.fault!);
        // A hanging connection must not keep its session from the client's other requests.
        letGo(app, request);
      }
    }
  }

  /** A step's headers with the default Retry-After, per step (a step's status is its own). */
  const retryingHeaders = new WeakMap<CompiledStep, Readonly<Record<string, string>>>();

  /**
   * A scripted status's headers: the step's, and those the mock's own answers of that status carry, unless
   * the step sets them: 429 and 503 say when to retry (when a rate-limited step's window ends, else in 1
   * second), 401 challenges (RFC 6750 §3), 405 lists the methods the path takes, as the mock's own 405
   * does (RFC 9110 §15.5.6). A malformed_body fault's status is scripted too: its broken body comes with
   * the same headers.
   */
  function statusHeaders(request: FastifyRequest, step: CompiledStep, status: number, retryAfterSeconds?: number): Readonly<Record<string, string>> {
    const headers = step.headers;
    if ((status === 429 || status === 503) && !('retry-after' in headers)) {
      if (retryAfterSeconds !== undefined) return { ...headers, 'retry-after': String(retryAfterSeconds) };
      // The default is the same for every answer of the step: made once, so a scripted 503 copies nothing.
      let kept = retryingHeaders.get(step);
      if (!kept) retryingHeaders.set(step, (kept = Object.freeze({ ...headers, 'retry-after': '1' })));
      return kept;
    }
    if (status === 401 && !('www-authenticate' in headers)) return { ...headers, 'www-authenticate': scriptedChallenge(request, step) };
    if (status === 405 && !('allow' in headers)) {
      const allow = routes.allowedAt(request.url);
      return allow === null ? headers : { ...headers, allow };
    }
    return headers;
  }
}

/** How a request is answered: a step, how long it waits first, and when a rate-limited step's window ends. */
interface Decided {
  readonly step: CompiledStep;
  readonly delayMs: number;
  readonly windowEndsAt?: number | undefined;
}

/**
 * A scripted status, with its headers (statusHeaders): Cint's envelope (with the rule's fields over it)
 * for 4xx/5xx, the rule's body otherwise, a redirect for a 3xx without one.
 */
function sendScripted(request: FastifyRequest, reply: FastifyReply, operationId: OperationId, step: CompiledStep, headers: Readonly<Record<string, string>>): FastifyReply {
  const status = step.status!;
  if (status === 304) return reply.code(status).headers(headers).send();
  if (status >= 300 && status < 400 && step.body === undefined) {
    // A redirect, where the step's Location says; get_target_group's points at the target group's details
    // (Cint's documented 301 for a launched one); any other has none: the request's own URL would send a
    // client that follows redirects round in a loop.
    reply.code(status).headers(headers);
    if (operationId === 'get_target_group' && !('location' in headers)) reply.header('location', `${request.url.split('?')[0] ?? request.url}/details`);
    return reply.send();
  }
  // The envelope itself, not a CintError: a scripted answer is not an error of the mock's.
  if (status >= 400) return sendEnvelope(reply, status, scriptedEnvelope(step, operationId), headers);
  reply.code(status).headers(headers);
  if (typeof step.body === 'string' && step.headers['content-type']) return reply.send(step.body);
  return reply.type('application/json; charset=utf-8').send(bodyText(step));
}

/** A scripted 401's challenge: its token refused, for the reason the rule's detail gives (plain `Bearer` without a token). */
function scriptedChallenge(request: FastifyRequest, step: CompiledStep): string {
  const detail = (step.body as { detail?: unknown } | undefined)?.detail;
  return bearerChallenge(request.headers.authorization, typeof detail === 'string' ? detail : errorDefaults(401).detail);
}

/** A scripted success's body as JSON text, serialized once per step. */
const bodyTexts = new WeakMap<CompiledStep, string>();
function bodyText(step: CompiledStep): string {
  let text = bodyTexts.get(step);
  if (text === undefined) bodyTexts.set(step, (text = JSON.stringify(step.body)));
  return text;
}

/** A step's envelope for an operation as JSON text, split where its id goes (one piece when the rule sets the id). */
const envelopeTexts = new WeakMap<CompiledStep, Map<OperationId, readonly string[]>>();
const ID_MARK = randomUUID();

/**
 * A scripted error's envelope, as JSON text: everything but its id is fixed by the step and the
 * operation, so it is serialized once and each answer gets a fresh id in its place.
 */
function scriptedEnvelope(step: CompiledStep, operationId: OperationId): string {
  let texts = envelopeTexts.get(step);
  if (!texts) envelopeTexts.set(step, (texts = new Map()));
  let pieces = texts.get(operationId);
  if (!pieces) {
    const status = step.status!;
    const body = envelope(status, defaultDetail(status, operationId));
    body.id = ID_MARK;
    if (step.body !== undefined) {
      const fields = step.body as Record<string, unknown>;
      Object.assign(body, fields);
      // 429's envelope repeats its message as `details`; keep the two together when the rule sets one.
      if (status === 429 && typeof fields.detail === 'string' && fields.details === undefined) body.details = fields.detail;
    }
    pieces = JSON.stringify(body).split(ID_MARK);
    texts.set(operationId, pieces);
  }
  return pieces.length === 2 ? pieces[0]! + randomUUID() + pieces[1]! : pieces.join(ID_MARK);
}

/**
 * Cint names the parameter that found nothing; the profiling operations' 422 schema wants its detail to
 * start with "Validation error"; other statuses take the envelope's default detail.
 */
function defaultDetail(status: number, operationId: OperationId): string | undefined {
  if (status === 422 && /Demographics$/.test(documentedResponse(operationId, 422)?.schemaName ?? '')) {
    return 'Validation error: the request does not meet the profiling rules';
  }
  if (status !== 404) return undefined;
  const params = operation(operationId).path.split('/').filter((segment) => segment.startsWith(':'));
  const last = params[params.length - 1];
  return last ? notFoundDetail(last.slice(1)) : undefined;
}

function successStatusWithBody(operationId: OperationId): number {
  const status = operation(operationId).successStatus;
  return status === 204 ? 200 : status;
}

/** `Prefer: code=503` (Prism's convention); other preferences are ignored. */
function preferredStatus(header: string | string[] | undefined): number | null {
  if (header === undefined) return null;
  const match = PREFER_CODE.exec(Array.isArray(header) ? header.join(', ') : header);
  if (!match) return null;
  const status = Number(match[1]);
  if (!/^\d{3}$/.test(match[1] ?? '') || status < 200 || status > 599) {
    throw badRequest([{ name: 'Prefer', reason: `'Prefer' code must be an HTTP status from 200 to 599, as in 'Prefer: code=503'; got ${JSON.stringify(match[1])}.` }]);
  }
  return status;
}

const preferSteps = new Map<number, CompiledStep>();

/** Prefer's answer is the step a rule `respond: { status: NNN }` would give. */
function preferStep(status: number): CompiledStep {
  let step = preferSteps.get(status);
  if (!step) {
    step = Object.freeze({
      kind: status >= 300 ? 'respond' : 'passthrough', status, body: undefined, fault: null, job: null, webhook: null,
      headers: Object.freeze({}), delayMs: null, times: Infinity, probability: 1, rateLimit: null, lostAnswer: null,
    });
    preferSteps.set(status, step);
  }
  return step;
}

function factsOf(request: FastifyRequest, operationId: OperationId): RequestFacts {
  return {
    operationId,
    params: request.params as RequestFacts['params'],
    query: request.query as RequestFacts['query'],
    headers: request.headers,
    body: request.body,
  };
}

/** Waits, unless the connection closes first: true when it is still worth answering. */
function stillOpenAfter(ms: number, response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve(true);
    }, ms);
    response.once('close', onClose);
  });
}
