// Every option cint-mock has, as one TypeBox schema: flags, environment and defaults are merged into
// one frozen Config, checked once at start.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { nearestName } from './scenarios/validate.js';
import { badShape, SHAPE_WORDS } from './cint/json-depth.js';
import { generateRsaKey, KeyFileError, readRsaKey, type RsaSigningKey } from './auth/keys.js';
import { readTlsFiles, selfSignedNames, TlsFileError, type TlsMaterial } from './tls.js';
import { fieldingProblem, FieldingSettingsSchema, type FieldingSettings } from './sessions/fielding-settings.js';

/** An ISO 8601 duration of weeks, days, hours, minutes and seconds (P1D, PT2H30M, PT0.5S); sessions/clock.ts reads it. */
export const DURATION_PATTERN = '^P(?!$)(?:(\\d+)W)?(?:(\\d+)D)?(?:T(?=\\d)(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:\\.\\d+)?)S)?)?$';

/** A duration as people write it (500ms, 90s, 30m, 24h, 7d) or as ISO 8601 (PT30M, P1D); sessions/clock.ts reads it (idleMs). */
export const IDLE_PATTERN = `^(?:\\d+(?:ms|s|m|h|d)|${DURATION_PATTERN.slice(1, -1)})$`;

export const AuthMode = Type.Union([Type.Literal('verify'), Type.Literal('decode'), Type.Literal('off')], {
  description: 'verify: tokens must be signed by this mock; decode: any well-formed, unexpired JWT; off: no token needed',
});

export const ClientConfig = Type.Object({
  client_id: Type.String({ minLength: 1 }),
  client_secret: Type.String({ minLength: 1 }),
  accounts: Type.Optional(Type.Array(Type.Integer(), { description: 'accounts the client may use; all when absent' })),
}, { additionalProperties: false });

export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  authMode: Type.Union(AuthMode.anyOf, { default: 'verify' }),
  jwtSecret: Type.Optional(Type.String({ minLength: 16, description: "the HS256 key of the mock's tokens; when absent, a random one for this instance alone" })),
  tokenAlgorithm: Type.Union([Type.Literal('HS256'), Type.Literal('RS256')], { default: 'HS256', description: "how the mock signs its tokens: HS256 with jwtSecret, or RS256 with an RSA key whose public half is served at /.well-known/jwks.json" }),
  jwtPrivateKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'with RS256: a PEM file of the RSA private key (2048 bits or more), so tokens outlive a restart and instances share them; when absent, a key pair made for this instance alone' })),
  tokenTtlSeconds: Type.Integer({ minimum: 1, default: 86400 }),
  expiredTokenStatus: Type.Union([Type.Literal(401), Type.Literal(403)], { default: 401, description: "the status for an expired token: 401 (Cint's status page) or 403 authorization_error (Cint's auth page)" }),
  clients: Type.Array(ClientConfig, { default: [] }),
  maxSessions: Type.Integer({ minimum: 1, default: 1000 }),
  maxSessionsPerClient: Type.Integer({ minimum: 1, default: 100, description: "sessions one client id may hold; past it a new one evicts that client's least recently used" }),
  shareNamedSessions: Type.Boolean({ default: false, description: 'X-Mock-Session names one session for every client instead of one per client id (always so with authMode off)' }),
  maxObjectsPerSession: Type.Integer({ minimum: 1, default: 10000 }),
  maxSessionBytes: Type.Integer({ minimum: 1024, default: 4194304, description: "bytes of stored request data (target groups' bodies, the other collections' fields, as JSON) one session may hold" }),
  maxIdempotencyKeysPerSession: Type.Integer({ minimum: 1, default: 1000 }),
  bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1048576 }),
  headersTimeoutMs: Type.Integer({ minimum: 100, default: 10000, description: "how long a client may take to send a request's headers; then 408 and the connection closes" }),
  requestTimeoutMs: Type.Integer({ minimum: 100, default: 30000, description: 'how long a client may take to send a whole request, body included; then 408 and the connection closes' }),
  keepAliveTimeoutMs: Type.Integer({ minimum: 100, default: 72000, description: 'how long an idle keep-alive connection stays open' }),
  hangTimeoutMs: Type.Integer({ minimum: 100, default: 600000, description: "how long a scenario's hang fault holds a connection without a byte before closing it" }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  logPretty: Type.Optional(Type.Boolean({ description: 'pretty logs; defaults to whether stderr (where logs go) is a terminal' })),
  shutdownGraceMs: Type.Integer({ minimum: 0, default: 1500 }),
  scenariosDir: Type.Optional(Type.String({ minLength: 1, description: "a folder of the user's scenario files, added on top of the built-in ones" })),
  scenario: Type.Optional(Type.String({ minLength: 1, description: 'the scenario every session starts with; none means the realistic behaviour' })),
  watchScenarios: Type.Boolean({ default: true, description: 'reload scenario files when they change' }),
  inlineScenarioBytes: Type.Integer({ minimum: 1024, default: 16777216, description: 'bytes of scenarios sent for sessions through the admin API (their JSON) the instance keeps at once; past it another is refused with 413 until choices naming the others are forgotten' }),
  watchPollMs: Type.Integer({ minimum: 0, default: 0, description: 'read the scenario folders every N ms instead of waiting for file events (Docker Desktop and WSL2 mounts deliver none); 0: file events' }),
  adminToken: Type.Optional(Type.String({ minLength: 1, description: 'when set, /__admin (but health) needs Authorization: Bearer <adminToken>' })),
  adminEnabled: Type.Boolean({ default: true, description: 'false removes the admin API, but health' }),
  journalSize: Type.Integer({ minimum: 0, default: 1000, description: 'requests remembered per session in the journal' }),
  journalBytes: Type.Integer({ minimum: 0, default: 262144, description: 'bytes of journal entries kept per session (bodies over 4 KB are left out); the oldest go first' }),
  jobPolls: Type.Integer({ minimum: 0, maximum: 1000, default: 0, description: "polls of a job's status that answer Processing before it may end (launch, schedule, batch, upload, removal and report jobs); 0: it may end at once" }),
  jobDuration: Type.String({ pattern: DURATION_PATTERN, default: 'PT0S', description: "time on the session's clock a job takes before it may end, an ISO 8601 duration (PT5S, PT2M); PT0S: none" }),
  fielding: Type.Object(FieldingSettingsSchema.properties, {
    ...FieldingSettingsSchema, default: {},
    description: "the fielding simulator's rates for sessions that set none: live target groups fill at them on the session's clock",
  }),
  referenceData: Type.Optional(Type.String({ minLength: 1, description: "a YAML or JSON file of the user's reference data: operation id -> the body that read answers" })),
  tlsCertFile: Type.Optional(Type.String({ minLength: 1, description: 'serve HTTPS with this PEM certificate (chain) file; with tlsKeyFile' })),
  tlsKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'the unencrypted PEM private key of tlsCertFile' })),
  tlsSelfSigned: Type.Optional(Type.String({ minLength: 1, description: 'serve HTTPS with a self-signed certificate made at start for these comma-separated host names and IP addresses (localhost, 127.0.0.1 and ::1 are always added)' })),
  tlsCertOut: Type.Optional(Type.String({ minLength: 1, description: 'with tlsSelfSigned: the file the generated certificate (PEM, no key) is written to, for clients to trust; default a new file in the temporary folder' })),
  webhookRequireHttps: Type.Boolean({ default: false, description: 'refuse webhook URLs that are not https:// (as Cint does); by default http:// is taken too, for local receivers' }),
  webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 600000, default: 5000, description: 'how long a webhook delivery attempt may take, connection to answer, before it counts as failed' }),
  webhookRetries: Type.Integer({ minimum: 0, maximum: 100, default: 5, description: 'attempts after the first before a delivery is expired' }),
  webhookRetryBaseMs: Type.Integer({ minimum: 1, maximum: 3600000, default: 1000, description: 'the wait before the first retry; each next retry waits twice as long, at most webhookRetryMaxMs' }),
  webhookRetryMaxMs: Type.Integer({ minimum: 1, maximum: 86400000, default: 60000, description: 'the longest wait between two attempts of a delivery' }),
  webhookCircuitFailures: Type.Integer({ minimum: 1, maximum: 10000, default: 10, description: "failed attempts in a row to one webhook that open its circuit: its deliveries are bounced until an attempt after webhookCircuitOpenMs succeeds" }),
  webhookCircuitOpenMs: Type.Integer({ minimum: 1, maximum: 86400000, default: 30000, description: 'how long an open circuit waits before one delivery is tried again' }),
  webhookQueueLimit: Type.Integer({ minimum: 1, maximum: 100000, default: 100, description: 'unfinished deliveries one webhook may have; past it a new event is expired at once for that webhook' }),
  webhookHistoryLimit: Type.Integer({ minimum: 1, maximum: 1000000, default: 1000, description: 'deliveries one session keeps (events history and admin API), the oldest forgotten first' }),
  store: Type.String({ minLength: 1, default: 'memory', pattern: '^(memory|rediss?://.+)$', description: "where sessions live: memory (this process alone), or a redis:// or rediss:// URL of a Redis or Valkey server that several instances share and that outlives restarts" }),
  storePrefix: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$', default: 'cint-mock', description: 'with a Redis store: the start of every key, so several instances or test runs share one Redis without meeting' }),
  sessionIdleTimeout: Type.String({ pattern: IDLE_PATTERN, default: '24h', description: 'a session nobody used for this long is forgotten: 90s, 30m, 24h, 7d or an ISO 8601 duration (PT30M)' }),
  webhookConcurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 16, description: 'webhook POSTs in flight at once, across the instance' }),
}, { additionalProperties: false });

export type Config = Readonly<Static<typeof ConfigSchema> & {
  jwtSecret: string;
  /** The jwtSecret was made at start (none given): instances sharing a store then adopt one of theirs. */
  jwtSecretMade?: boolean;
  /** With RS256: the key tokens are signed with, read from jwtPrivateKeyFile or made at start. Absent with HS256. */
  jwtKey?: RsaSigningKey;
  /** With tlsCertFile and tlsKeyFile: both, read and checked. */
  tls?: TlsMaterial;
  /** With tlsSelfSigned: the names the certificate made at start is for, loopback included. */
  tlsNames?: readonly string[];
}>;
export type ConfigInput = Partial<Static<typeof ConfigSchema>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A problem of one option found after the options were checked (a certificate file that cannot be
 * written, say): the command line names it as the user gave it, `--tls-cert-out (tlsCertOut)`.
 */
export class OptionError extends ConfigError {
  constructor(readonly option: keyof ConfigSources, readonly problem: string) {
    super(optionMessage(option, problem, {}));
    this.name = 'OptionError';
  }

  /** The message, the option named as the user gave it (`sources`: the flag, variable or file key). */
  describe(sources: ConfigSources): string {
    return optionMessage(this.option, this.problem, sources);
  }
}

function optionMessage(option: string, problem: string, sources: ConfigSources): string {
  return `invalid configuration:\n  ${labelOf(option, sources)}: ${problem}`;
}

/** TypeBox's message, with what would have been accepted where it does not say: known keys, allowed values. */
function explain(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    // The schema is the object the key was found in: a client's fields for clients[0].x, the options at the top.
    const known = Object.keys(error.schema.properties ?? {});
    const nearest = nearestName(error.path.split('/').at(-1) ?? '', known);
    const hint = nearest ? `; did you mean ${nearest}?` : '';
    return `${error.message}${hint} (known ${error.schema === ConfigSchema || error.schema === PartialConfig ? 'options' : 'fields'}: ${known.join(', ')})`;
  }
  if (error.type === ValueErrorType.Union) {
    const branches = (error.schema.anyOf ?? []) as TSchema[];
    if (branches.length > 0 && branches.every((branch) => branch.const !== undefined)) {
      return `Expected one of ${branches.map((branch) => JSON.stringify(branch.const)).join(', ')}`;
    }
  }
  return error.message;
}

/** Where each option was given, as the user wrote it: `--port`, `CINT_MOCK_MAX_SESSIONS`, `cint-mock.yaml: maxSessions`. */
export type ConfigSources = Partial<Record<keyof Static<typeof ConfigSchema>, string>>;

function describeErrors(schema: TSchema, value: unknown, sources: ConfigSources = {}): string[] {
  const lines = [...Value.Errors(schema, value)].map((error) => {
    const path = error.path.slice(1).replaceAll('/', '.') || '(root)';
    const got = shownValue(error);
    return `  ${labelOf(path, sources)}: ${explain(error)}${got === undefined ? '' : ` (got ${got})`}`;
  });
  return [...new Set(lines)];
}

/** The options and fields whose values are secrets: an error names them and the rule they break, never their value. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['jwtSecret', 'adminToken', 'client_secret']);

/**
 * The value an error shows, as JSON: none for a secret (or an unknown key, which may be a misspelt
 * secret and whose value does not help), secrets inside an object or list shown as "(hidden)", and a
 * store URL's password left out.
 */
function shownValue(error: ValueError): string | undefined {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return undefined;
  const segments = error.path.split('/').slice(1);
  if (segments.some((segment) => SECRET_KEYS.has(segment))) return undefined;
  if (segments.length === 1 && segments[0] === 'store' && typeof error.value === 'string') return JSON.stringify(withoutPassword(error.value));
  return JSON.stringify(error.value, hideSecrets);
}

/** JSON.stringify's replacer that shows a secret field as "(hidden)". */
function hideSecrets(key: string, value: unknown): unknown {
  return SECRET_KEYS.has(key) ? '(hidden)' : value;
}

/** `redis://user:pass@host` as `redis://user:***@host`. */
function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

/** An option's path, after the flag, variable or file key that gave it when that is known. */
function labelOf(path: string, sources: ConfigSources): string {
  const source = sources[path.split('.')[0] as keyof ConfigSources];
  return source ? `${source} (${path})` : path;
}

/** The options as makeConfig fills them in. */
type Candidate = Partial<Static<typeof ConfigSchema>> & { jwtKey?: RsaSigningKey; tls?: TlsMaterial; tlsNames?: string[] };

/** Defaults filled in, values checked; throws ConfigError naming every offending option, as the user gave it. */
export function makeConfig(input: ConfigInput = {}, sources: ConfigSources = {}): Config {
  const candidate = Value.Default(ConfigSchema, Value.Clone(input)) as Record<string, unknown>;
  // Value.Default merges an object given for a list into the list's default ({"a": 1} for clients became
  // an array with a property a, and {} an empty list): a list or object of the wrong kind stays as given.
  for (const [key, value] of Object.entries(input)) {
    const type = (ConfigSchema.properties as Record<string, TSchema>)[key]?.type;
    if ((type === 'array' || type === 'object') && value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value) !== (type === 'array'))) {
      candidate[key] = Value.Clone(value);
    }
  }
  const lines = describeErrors(ConfigSchema, candidate, sources);
  const options = candidate as Candidate;
  if (lines.length === 0 && options.headersTimeoutMs! > options.requestTimeoutMs!) {
    // Node refuses a headers timeout longer than the request timeout: the headers are part of the request.
    lines.push(`  ${labelOf('headersTimeoutMs', sources)}: expected at most requestTimeoutMs (${options.requestTimeoutMs}), got ${options.headersTimeoutMs}`);
  }
  if (lines.length === 0) lines.push(...tlsErrors(options, sources));
  if (lines.length === 0) {
    const problem = fieldingProblem(options.fielding as FieldingSettings);
    if (problem) lines.push(`  ${labelOf('fielding', sources)}: ${problem}`);
  }
  if (lines.length === 0) lines.push(...signingKeyErrors(options, sources, input.tokenAlgorithm === undefined));
  if (lines.length > 0) throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  // A key of its own per instance unless one is given: two mocks never take each other's tokens by accident.
  if (options.jwtSecret === undefined) {
    options.jwtSecret = randomBytes(32).toString('base64url');
    (options as { jwtSecretMade?: boolean }).jwtSecretMade = true;
  }
  return Object.freeze(candidate as Config);
}

/**
 * The options of one algorithm given with the other are refused rather than ignored: a key file with
 * HS256 tokens, or a secret with RS256 ones, would not do what its user expects. With RS256 the key is
 * read, or made (RSA keys take a while to make: only on this path, never for the default HS256).
 */
function signingKeyErrors(options: Candidate, sources: ConfigSources, defaulted: boolean): string[] {
  const algorithm = `${labelOf('tokenAlgorithm', sources)} is ${options.tokenAlgorithm}${defaulted ? ' (the default)' : ''}`;
  const file = options.jwtPrivateKeyFile;
  if (options.tokenAlgorithm === 'HS256') {
    return file === undefined ? [] : [`  ${labelOf('jwtPrivateKeyFile', sources)}: a key for RS256 tokens, but ${algorithm}: set it to RS256 too (got ${JSON.stringify(file)})`];
  }
  // The secret's value stays out of the message.
  if (options.jwtSecret !== undefined) {
    return [`  ${labelOf('jwtSecret', sources)}: an HS256 key, but ${algorithm}: leave it out (RS256 tokens are signed with the key of jwtPrivateKeyFile, or one made at start)`];
  }
  try {
    options.jwtKey = file === undefined ? generateRsaKey() : readRsaKey(file);
    return [];
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error;
    return [`  ${labelOf('jwtPrivateKeyFile', sources)}: ${error.message} (got ${JSON.stringify(file)})`];
  }
}

/**
 * HTTPS is one of: a certificate and key from files (both, read and checked here so that a wrong file
 * is a configuration error at start), or a self-signed certificate for the host names given (made
 * when the server starts). Anything else given with them would be ignored, so it is refused.
 */
function tlsErrors(options: Candidate, sources: ConfigSources): string[] {
  const { tlsCertFile: certFile, tlsKeyFile: keyFile, tlsSelfSigned: names, tlsCertOut: outFile } = options;
  const label = (key: keyof ConfigSources) => labelOf(key, sources);
  if (names !== undefined && (certFile !== undefined || keyFile !== undefined)) {
    return [`  ${label('tlsSelfSigned')}: a certificate made at start, but ${label(certFile !== undefined ? 'tlsCertFile' : 'tlsKeyFile')} gives one: choose one of them`];
  }
  if (outFile !== undefined && names === undefined) {
    return [`  ${label('tlsCertOut')}: where a generated certificate is written, but no certificate is generated: set tlsSelfSigned too (got ${JSON.stringify(outFile)})`];
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const given = certFile !== undefined ? 'tlsCertFile' : 'tlsKeyFile';
    const missing = certFile !== undefined ? 'tlsKeyFile' : 'tlsCertFile';
    return [`  ${label(given)}: HTTPS needs both a certificate and its key: set ${missing} too`];
  }
  try {
    if (names !== undefined) options.tlsNames = selfSignedNames(names);
    else if (certFile !== undefined && keyFile !== undefined) options.tls = readTlsFiles(certFile, keyFile);
    return [];
  } catch (error) {
    if (error instanceof TlsFileError) {
      const key = error.file === 'key' ? 'tlsKeyFile' : 'tlsCertFile';
      return [`  ${label(key)}: ${error.message} (got ${JSON.stringify(options[key])})`];
    }
    if (error instanceof TypeError) return [`  ${label('tlsSelfSigned')}: ${error.message} (got ${JSON.stringify(names)})`];
    throw error;
  }
}

const ENV: Record<string, keyof Static<typeof ConfigSchema>> = {
  PORT: 'port',
  HOST: 'host',
  CINT_MOCK_AUTH_MODE: 'authMode',
  CINT_MOCK_JWT_SECRET: 'jwtSecret',
  CINT_MOCK_TOKEN_ALGORITHM: 'tokenAlgorithm',
  CINT_MOCK_JWT_PRIVATE_KEY_FILE: 'jwtPrivateKeyFile',
  CINT_MOCK_TOKEN_TTL_SECONDS: 'tokenTtlSeconds',
  CINT_MOCK_EXPIRED_TOKEN_STATUS: 'expiredTokenStatus',
  CINT_MOCK_MAX_SESSIONS: 'maxSessions',
  CINT_MOCK_MAX_SESSIONS_PER_CLIENT: 'maxSessionsPerClient',
  CINT_MOCK_SHARE_NAMED_SESSIONS: 'shareNamedSessions',
  CINT_MOCK_MAX_OBJECTS_PER_SESSION: 'maxObjectsPerSession',
  CINT_MOCK_MAX_SESSION_BYTES: 'maxSessionBytes',
  CINT_MOCK_MAX_IDEMPOTENCY_KEYS: 'maxIdempotencyKeysPerSession',
  CINT_MOCK_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  CINT_MOCK_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  CINT_MOCK_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  CINT_MOCK_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  CINT_MOCK_HANG_TIMEOUT_MS: 'hangTimeoutMs',
  LOG_LEVEL: 'logLevel',
  CINT_MOCK_LOG_PRETTY: 'logPretty',
  CINT_MOCK_SHUTDOWN_GRACE_MS: 'shutdownGraceMs',
  CINT_MOCK_SCENARIOS_DIR: 'scenariosDir',
  CINT_MOCK_SCENARIO: 'scenario',
  CINT_MOCK_WATCH_SCENARIOS: 'watchScenarios',
  CINT_MOCK_WATCH_POLL_MS: 'watchPollMs',
  CINT_MOCK_INLINE_SCENARIO_BYTES: 'inlineScenarioBytes',
  CINT_MOCK_ADMIN_TOKEN: 'adminToken',
  CINT_MOCK_ADMIN_ENABLED: 'adminEnabled',
  CINT_MOCK_JOURNAL_SIZE: 'journalSize',
  CINT_MOCK_JOURNAL_BYTES: 'journalBytes',
  CINT_MOCK_REFERENCE_DATA: 'referenceData',
  CINT_MOCK_JOB_POLLS: 'jobPolls',
  CINT_MOCK_JOB_DURATION: 'jobDuration',
  CINT_MOCK_TLS_CERT_FILE: 'tlsCertFile',
  CINT_MOCK_TLS_KEY_FILE: 'tlsKeyFile',
  CINT_MOCK_TLS_SELF_SIGNED: 'tlsSelfSigned',
  CINT_MOCK_TLS_CERT_OUT: 'tlsCertOut',
  CINT_MOCK_WEBHOOK_REQUIRE_HTTPS: 'webhookRequireHttps',
  CINT_MOCK_WEBHOOK_TIMEOUT_MS: 'webhookTimeoutMs',
  CINT_MOCK_WEBHOOK_RETRIES: 'webhookRetries',
  CINT_MOCK_WEBHOOK_RETRY_BASE_MS: 'webhookRetryBaseMs',
  CINT_MOCK_WEBHOOK_RETRY_MAX_MS: 'webhookRetryMaxMs',
  CINT_MOCK_WEBHOOK_CIRCUIT_FAILURES: 'webhookCircuitFailures',
  CINT_MOCK_WEBHOOK_CIRCUIT_OPEN_MS: 'webhookCircuitOpenMs',
  CINT_MOCK_WEBHOOK_QUEUE_LIMIT: 'webhookQueueLimit',
  CINT_MOCK_WEBHOOK_HISTORY_LIMIT: 'webhookHistoryLimit',
  CINT_MOCK_WEBHOOK_CONCURRENCY: 'webhookConcurrency',
  CINT_MOCK_STORE: 'store',
  CINT_MOCK_STORE_PREFIX: 'storePrefix',
  CINT_MOCK_SESSION_IDLE_TIMEOUT: 'sessionIdleTimeout',
};

/** Every environment variable the mock reads. */
export const ENV_NAMES: readonly string[] = [...Object.keys(ENV), 'CINT_MOCK_CLIENTS', 'CINT_MOCK_FIELDING', 'CINT_MOCK_CONFIG', 'CINT_MOCK_LISTENING_FILE'];

/** The environment variables that give options, by option: for errors that name what the user set. */
export function envSources(env: NodeJS.ProcessEnv = process.env): ConfigSources {
  const sources: ConfigSources = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') sources[key] = name;
  if (env.CINT_MOCK_CLIENTS) sources.clients = 'CINT_MOCK_CLIENTS';
  if (env.CINT_MOCK_FIELDING) sources.fielding = 'CINT_MOCK_FIELDING';
  return sources;
}

/**
 * Options from the environment, each variable's text read as its option's type: an integer only when
 * it is one exactly, in decimal digits (`1e3`, `0x2594`, `8080.5`, `true`, ` 80` are left as text, which
 * makeConfig refuses naming the variable); true/false (or 1/0) for a yes-or-no option. The JSON of
 * CINT_MOCK_CLIENTS and CINT_MOCK_FIELDING is taken as it is, typed by JSON, as a config file's values
 * are: `"accounts": ["101.7"]` or `[101.7]` is refused, not cut to 101.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') input[key] = fromEnvText(ConfigSchema.properties[key], raw);
  }
  if (env.CINT_MOCK_CLIENTS) input.clients = parseJsonOption('CINT_MOCK_CLIENTS', env.CINT_MOCK_CLIENTS, true);
  if (env.CINT_MOCK_FIELDING) input.fielding = parseJsonOption('CINT_MOCK_FIELDING', env.CINT_MOCK_FIELDING);
  return input as ConfigInput;
}

/** An integer written exactly: decimal digits, a minus sign for a negative one (a range then refuses what it must). */
const INTEGER_TEXT = /^-?\d+$/;

/** A variable's text as its option's type when it is exactly one, else the text, for makeConfig to refuse. */
function fromEnvText(schema: TSchema, raw: string): unknown {
  const literals = ((schema.anyOf ?? []) as TSchema[]).map((branch) => branch.const as unknown);
  if (schema.type === 'integer' || (literals.length > 0 && literals.every((value) => typeof value === 'number'))) {
    const value = Number(raw);
    return INTEGER_TEXT.test(raw) && Number.isSafeInteger(value) ? value : raw;
  }
  if (schema.type === 'boolean') {
    const word = raw.toLowerCase();
    return word === 'true' || word === '1' ? true : word === 'false' || word === '0' ? false : raw;
  }
  return raw;
}

/** A variable's JSON; when it is not JSON, the error shows the text unless it may hold a secret (`secret`). */
export function parseJsonOption(name: string, raw: string, secret = false): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    // JSON.parse's message quotes the text around the mistake: only its position is kept for a secret's variable.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    const got = secret
      ? `text that is not JSON (${position === undefined ? '' : `its first mistake at character ${Number(position) + 1}; `}the text is left out, as it may hold secrets)`
      : JSON.stringify(raw);
    throw new ConfigError(`invalid configuration:\n  ${name}: expected JSON, got ${got}`);
  }
}

const PartialConfig = Type.Partial(ConfigSchema, { additionalProperties: false });

/**
 * Options from a YAML or JSON config file (the same names as the schema: port, authMode, clients, …),
 * checked on their own so that an error names the file. Flags and environment variables win over it.
 */
export function configFromFile(file: string, only?: keyof ConfigInput): ConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`the config file ${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`invalid config file ${file}:\n  (root): expected an object of options, got ${JSON.stringify(data, hideSecrets)}`);
  }
  // One option alone (`validate` reads the scenarios folder): the others, and their mistakes, are not its business.
  if (only !== undefined) data = Object.hasOwn(data, only) ? { [only]: (data as Record<string, unknown>)[only] } : {};
  // Checked before the schema, whose messages print the values: data that holds itself cannot be printed.
  const bad = badShape(data as object, true);
  if (bad) {
    const { expected, found } = SHAPE_WORDS[bad.kind];
    throw new ConfigError(`invalid config file ${file}:\n  ${bad.path.join('.')}: expected ${expected}, got ${found}`);
  }
  const lines = describeErrors(PartialConfig, data);
  if (lines.length > 0) throw new ConfigError(`invalid config file ${file}:\n${lines.join('\n')}`);
  // A relative path in the file is relative to the file's folder (as in a compose file or a tsconfig),
  // so the file works from any working directory.
  const options = data as Record<string, unknown>;
  for (const key of PATH_OPTIONS) {
    const value = options[key];
    if (typeof value === 'string' && !isAbsolute(value)) options[key] = resolve(dirname(file), value);
  }
  return options as ConfigInput;
}

/**
 * The options a config file sets that a variable of the environment sets otherwise, each with the
 * variable's name: the environment wins (flags > environment > file), so the file's are not used. In the
 * image, HOST and CINT_MOCK_SCENARIOS_DIR are the image's, not the user's: a file's `host` or
 * `scenariosDir` would be passed over without a word. Values are compared (a path as resolved), never
 * shown: a file may hold secrets. `fromEnv` and `names` are the environment as configFromEnv and
 * envSources read it.
 */
export function overriddenByEnvironment(fromFile: ConfigInput, fromEnv: ConfigInput, names: ConfigSources): { key: string; variable: string }[] {
  const file = fromFile as Record<string, unknown>;
  const env = fromEnv as Record<string, unknown>;
  const paths: readonly string[] = PATH_OPTIONS;
  return Object.keys(file).flatMap((key) => {
    const variable = names[key as keyof ConfigSources];
    if (variable === undefined) return [];
    const value = paths.includes(key) && typeof env[key] === 'string' ? resolve(env[key] as string) : env[key];
    return isDeepStrictEqual(value, file[key]) ? [] : [{ key, variable }];
  });
}

/** The options that name a file or folder. */
const PATH_OPTIONS = ['jwtPrivateKeyFile', 'scenariosDir', 'referenceData', 'tlsCertFile', 'tlsKeyFile', 'tlsCertOut'] as const satisfies readonly (keyof ConfigInput)[];
