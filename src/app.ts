// buildApp(config): registers the mock's pieces in request order; no logic of its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { Config } from './config.js';
import { clientErrorHandler, frameworkError, MAX_PARAM_LENGTH, rawAnswer, registerErrorHandling } from './cint/error-handler.js';
import { validatorCompiler } from './cint/validation.js';
import { acceptedMediaTypes, badRequest, envelope, unsupportedMediaType } from './cint/errors.js';
import { newTraceparent } from './cint/trace.js';
import { excessiveNesting, MAX_JSON_DEPTH } from './cint/json-depth.js';
import { TokenService } from './auth/tokens.js';
import { keyParts, logEviction, SessionStore, type EvictionLimit, type JobTiming, type Session } from './sessions/store.js';
import type { RedisSessions } from './sessions/redis.js';
import { durationMs, idleMs } from './sessions/clock.js';
import { ScenarioCatalog } from './scenarios/catalog.js';
import { requestContext } from './hooks/context.js';
import { requestLog } from './hooks/request-log.js';
import { refuseContentCodings } from './hooks/content-encoding.js';
import { JournalStore } from './journal/journal.js';
import { oauthRoutes } from './routes/oauth.js';
import { jwksRoute } from './routes/jwks.js';
import { cintApi } from './api/plugin.js';
import { sharedReportRoute } from './api/reports.js';
import { adminRoutes } from './admin/routes.js';
import { WebhookDeliverer } from './webhooks/delivery.js';

export interface MockServices {
  config: Config;
  sessions: SessionStore;
  tokens: TokenService;
  scenarios: ScenarioCatalog;
  journals: JournalStore;
  /** How long jobs take unless a session says otherwise (jobPolls, jobDuration). */
  jobTiming: JobTiming;
  /** Sends every session's webhook events to its webhooks. */
  webhooks: WebhookDeliverer;
  /** With a Redis or Valkey store: what keeps this instance's sessions in step with the others'; null in memory. */
  shared: RedisSessions | null;
}

export interface BuildOptions {
  /** A pino logger configuration, or false for none (the default for in-process use). */
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS with this PEM certificate and key (server.ts reads or makes them from the config). */
  https?: { key: string; cert: string };
}

export type MockApp = FastifyInstance;

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<MockApp> {
  const serverOptions = {
    headersTimeout: config.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 4)),
    // Node would answer a missing Host with a bare 400; hooks/context.ts answers it in the envelope.
    requireHostHeader: false,
  };
  const app = Fastify({
    logger: options.logger ?? false,
    // Fastify's own two lines per request are replaced by the one line of hooks/request-log.ts.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // No child logger per request (pino's child() was a tenth of a logged request's cost): the mock's
    // few request-scoped lines (hooks/request-log.ts, faults, unexpected errors) name their request_id.
    // Without a logger Fastify skips the factory altogether, unless one is given (it then checks the
    // factory's answer on every request).
    ...(options.logger ? { childLoggerFactory: (logger: FastifyBaseLogger) => logger } : {}),
    bodyLimit: config.bodyLimitBytes,
    // Slow or stalled clients are cut (408 in the envelope, from clientErrorHandler): headers and the
    // whole request each have a deadline, checked every second or sooner (Node's default is 30 s).
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // The same server options for HTTP and HTTPS (an https server takes them beside its certificate).
    ...(options.https ? { https: { ...serverOptions, ...options.https } } : { http: serverOptions }),
    requestIdHeader: 'x-request-id',
    genReqId: requestIds(),
    // While shutting down, hooks/context.ts answers new requests with Cint's 503 (Fastify's own is not the envelope).
    return503OnClosing: false,
    frameworkErrors: frameworkError,
    clientErrorHandler,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
    // A failed validation becomes Cint's invalid_params (cint/error-handler.ts) from its errors alone:
    // Fastify's default message, built for every 400 and never shown, was most of a 400's cost.
    schemaErrorFormatter: validationFailure,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // CONNECT (a proxy's method) never reaches Fastify: Node hands the socket over, and without a
  // listener closes it silently. It gets Cint's envelope like any method the API does not have.
  app.server.on('connect', (_request, socket: Socket) => {
    rawAnswer(socket, 405, 'CONNECT is not supported: this is an HTTP API, not a proxy', { allow: 'GET, POST, PUT, DELETE' });
  });
  // An Expect other than 100-continue never reaches Fastify either: Node would answer a bare 417.
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify(envelope(417, `the Expect header ${JSON.stringify(request.headers.expect)} cannot be met: the server knows only 100-continue`));
    response.writeHead(417, {
      'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), traceparent: newTraceparent(), connection: 'close',
    }).end(body);
  });

  const webhooks = new WebhookDeliverer({
    timeoutMs: config.webhookTimeoutMs,
    retries: config.webhookRetries,
    retryBaseMs: config.webhookRetryBaseMs,
    retryMaxMs: config.webhookRetryMaxMs,
    circuitFailures: config.webhookCircuitFailures,
    circuitOpenMs: config.webhookCircuitOpenMs,
    queueLimit: config.webhookQueueLimit,
    historyLimit: config.webhookHistoryLimit,
    concurrency: config.webhookConcurrency,
  }, app.log);
  const limits = {
    maxObjects: config.maxObjectsPerSession,
    maxBytes: config.maxSessionBytes,
    maxIdempotencyKeys: config.maxIdempotencyKeysPerSession,
    fielding: config.fielding,
  };
  const sessionIdleMs = idleMs(config.sessionIdleTimeout);
  const scenarios = await ScenarioCatalog.fromConfig(config, app.log);
  let shared: RedisSessions | null = null;
  let jwtSecret = config.jwtSecret;
  let sharedKeys: { current: string; accepted: string[] } | null = null;
  try {
    if (config.store !== 'memory') {
      // The Redis client is loaded only by an instance that uses it.
      shared = await (await import('./sessions/redis.js')).RedisSessions.connect({
        url: config.store, prefix: config.storePrefix, idleMs: sessionIdleMs, journalSize: config.journalSize, journalBytes: config.journalBytes,
        maxSessions: config.maxSessions, maxSessionsPerClient: config.maxSessionsPerClient, deliveryHistoryLimit: config.webhookHistoryLimit, limits,
        log: app.log,
        evicted: (key, limit) => {
          const { name, clientId } = keyParts(key);
          logEviction(app.log, name, clientId, limit, config[limit]);
        },
      });
      // Instances on one store take each other's tokens: without a jwtSecret of the user's, they share the first one's.
      if (config.jwtSecretMade && config.tokenAlgorithm === 'HS256') {
        sharedKeys = await shared.sharedSecret(jwtSecret);
        jwtSecret = sharedKeys.current;
      }
    }
  } catch (error) {
    // Nothing of a start that failed stays open: no folder watched, no connection.
    await scenarios.close();
    await shared?.close();
    throw error;
  }
  const services: MockServices = {
    config,
    webhooks,
    shared,
    sessions: new SessionStore({
      events: webhooks,
      maxSessions: config.maxSessions,
      maxSessionsPerClient: config.maxSessionsPerClient,
      idleMs: sessionIdleMs,
      // With a shared store the sessions here are a cache of Redis's, which tells of its own evictions.
      ...(shared ? {} : {
        evicted: (session: Session, why: EvictionLimit | 'idle') => {
          if (why !== 'idle') logEviction(app.log, session.name, session.clientId, why, config[why]);
          // A client's scenario choice goes with its session, so its choices are bounded as its sessions are.
          if (session.clientId !== null) scenarios.forget(session.name, session.clientId);
        },
      }),
      ...limits,
    }),
    tokens: new TokenService(jwtSecret === config.jwtSecret ? config : { ...config, jwtSecret }),
    scenarios,
    journals: new JournalStore(config.journalSize, config.journalBytes),
    jobTiming: { polls: config.jobPolls, durationMs: durationMs(config.jobDuration) ?? 0 },
  };
  if (shared) {
    shared.attach(services.sessions, services.scenarios, services.journals, services.webhooks);
    if (sharedKeys) {
      // Kept in step with the store's: a store that lost the key (FLUSHALL, a restart without
      // persistence) gets it back, and replicas that saved different ones converge on one.
      services.tokens.useSecrets(sharedKeys.current, sharedKeys.accepted);
      shared.shareTokens(services.tokens);
    }
    services.scenarios.shared = shared;
    services.sessions.shared = shared;
  }
  app.decorate('mock', services);
  app.addHook('onClose', async () => services.scenarios.close());
  // No delivery timer or outbound POST outlives the app.
  app.addHook('onClose', async () => services.webhooks.close());
  // Once the server takes no more requests: the last ones' saves went out before it.
  if (shared) app.addHook('onClose', async () => shared.close());
  app.decorateRequest('cint', null as never);

  app.setValidatorCompiler(validatorCompiler);
  const routes = registerErrorHandling(app, config.bodyLimitBytes);
  registerJsonParsing(app);
  // Before any route: every route that takes a body refuses one in a content coding.
  refuseContentCodings(app);

  // Every request: its context (trace headers, draining) and one log line. The Cint API's own pipeline
  // (api/plugin.ts) runs for its routes only.
  requestContext(app);
  requestLog(app);

  await app.register(oauthRoutes);
  if (services.tokens.jwks) await app.register(jwksRoute, { jwks: services.tokens.jwks });
  await app.register(cintApi, { bodyLimit: config.bodyLimitBytes, referenceData: config.referenceData, webhookRequireHttps: config.webhookRequireHttps, routes });
  // Reports' pre-signed links, without a bearer token (share_report).
  await app.register(sharedReportRoute);
  await app.register(adminRoutes, { prefix: '/__admin' });
  return app;
}

/**
 * Request ids (when the client sends no X-Request-Id): this process's random prefix and a counter, so
 * they are unique across replicas and restarts without drawing randomness per request.
 */
function requestIds(): () => string {
  const prefix = Math.random().toString(36).slice(2, 8);
  let count = 0;
  return () => `${prefix}-${(count += 1).toString(36)}`;
}

function validationFailure(_errors: unknown, dataVar: string): Error {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = new Error(`the request's ${dataVar} is not valid`);
  Error.stackTraceLimit = stackTraceLimit;
  return error;
}

/**
 * Fastify's own response serializers (fast-json-stringify), each built when its route first answers
 * rather than at start: the admin API's schemas took about 25 ms to compile, before any request.
 */
function lazySerializers(...factoryArgs: Parameters<ReturnType<typeof SerializerSelector>>) {
  const compile = SerializerSelector()(...factoryArgs);
  return (route: Parameters<typeof compile>[0]) => {
    let serialize: ReturnType<typeof compile> | undefined;
    return (doc: unknown) => (serialize ??= compile(route))(doc);
  };
}

function registerJsonParsing(app: FastifyInstance): void {
  // Fastify would also read text/plain; Cint only speaks JSON, so anything else is a 415.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // An empty JSON body counts as no body: pause, resume and complete take none, and clients that always
  // send Content-Type: application/json must not get a 400 for it. Routes that need a body say so.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // The journal shows the body as it came, whatever validation then makes of it (or of its absence).
    if (request.cint && body !== '') request.cint.requestText = body as string;
    // JSON sent to an operation that takes a CSV or an upload: a 415 naming its types, not JSON's 400s.
    const documented = request.cint?.operation?.bodyContentType;
    if (documented !== undefined && documented !== null && documented !== 'application/json') {
      done(unsupportedMediaType(request.headers['content-type'], acceptedMediaTypes(documented)), undefined);
      return;
    }
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    const tooDeep = excessiveNesting(body as string);
    if (tooDeep >= 0) {
      done(badRequest([{ name: 'body', reason: `The body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep (at character ${tooDeep}).` }], 'the request body nests too deeply'), undefined);
      return;
    }
    parseJson(request, body as string, (error, value) => {
      // Fastify's parser refuses JSON with a __proto__ key or constructor.prototype (prototype poisoning),
      // under the message it gives JSON that does not parse: the client is told which it was.
      if (error && parsesAsJson(body as string)) {
        done(badRequest([{ name: 'body', reason: 'the request body has a __proto__ key or a constructor.prototype, which the server refuses' }], 'the request body has a forbidden key'), undefined);
        return;
      }
      done(error, value);
    });
  });
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
