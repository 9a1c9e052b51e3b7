// Every option cint-mock has, as one TypeBox schema: flags, environment and defaults are merged into
// one frozen Config, checked once at start.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

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
  jwtSecret: Type.String({ minLength: 16, default: 'cint-mock-development-secret-change-me' }),
  tokenTtlSeconds: Type.Integer({ minimum: 1, default: 86400 }),
  clients: Type.Array(ClientConfig, { default: [] }),
  maxSessions: Type.Integer({ minimum: 1, default: 1000 }),
  maxObjectsPerSession: Type.Integer({ minimum: 1, default: 10000 }),
  maxIdempotencyKeysPerSession: Type.Integer({ minimum: 1, default: 1000 }),
  bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1048576 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  logPretty: Type.Optional(Type.Boolean({ description: 'pretty logs; defaults to whether stdout is a terminal' })),
  shutdownGraceMs: Type.Integer({ minimum: 0, default: 1500 }),
  scenariosDir: Type.Optional(Type.String({ minLength: 1, description: "a folder of the user's scenario files, added on top of the built-in ones" })),
  scenario: Type.Optional(Type.String({ minLength: 1, description: 'the scenario every session starts with; none means the realistic behaviour' })),
  watchScenarios: Type.Boolean({ default: true, description: 'reload scenario files when they change' }),
  adminToken: Type.Optional(Type.String({ minLength: 1, description: 'when set, /__admin (but health) needs Authorization: Bearer <adminToken>' })),
  adminEnabled: Type.Boolean({ default: true, description: 'false removes the admin API, but health' }),
  journalSize: Type.Integer({ minimum: 0, default: 1000, description: 'requests remembered per session in the journal' }),
}, { additionalProperties: false });

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type ConfigInput = Partial<Static<typeof ConfigSchema>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Defaults filled in, values checked; throws ConfigError naming every offending option. */
export function makeConfig(input: ConfigInput = {}): Config {
  const candidate = Value.Default(ConfigSchema, Value.Clone(input));
  const errors = [...Value.Errors(ConfigSchema, candidate)];
  if (errors.length > 0) {
    const lines = errors.map((error) => `  ${error.path.slice(1).replaceAll('/', '.') || '(root)'}: ${error.message} (got ${JSON.stringify(error.value)})`);
    throw new ConfigError(`invalid configuration:\n${[...new Set(lines)].join('\n')}`);
  }
  return Object.freeze(candidate as Static<typeof ConfigSchema>);
}

const ENV: Record<string, keyof Static<typeof ConfigSchema>> = {
  PORT: 'port',
  HOST: 'host',
  CINT_MOCK_AUTH_MODE: 'authMode',
  CINT_MOCK_JWT_SECRET: 'jwtSecret',
  CINT_MOCK_TOKEN_TTL_SECONDS: 'tokenTtlSeconds',
  CINT_MOCK_MAX_SESSIONS: 'maxSessions',
  CINT_MOCK_MAX_OBJECTS_PER_SESSION: 'maxObjectsPerSession',
  CINT_MOCK_MAX_IDEMPOTENCY_KEYS: 'maxIdempotencyKeysPerSession',
  CINT_MOCK_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  LOG_LEVEL: 'logLevel',
  CINT_MOCK_LOG_PRETTY: 'logPretty',
  CINT_MOCK_SHUTDOWN_GRACE_MS: 'shutdownGraceMs',
  CINT_MOCK_SCENARIOS_DIR: 'scenariosDir',
  CINT_MOCK_SCENARIO: 'scenario',
  CINT_MOCK_WATCH_SCENARIOS: 'watchScenarios',
  CINT_MOCK_ADMIN_TOKEN: 'adminToken',
  CINT_MOCK_ADMIN_ENABLED: 'adminEnabled',
  CINT_MOCK_JOURNAL_SIZE: 'journalSize',
};

/** Options from the environment, converted to the schema's types (a bad value is reported by makeConfig). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') input[key] = raw;
  }
  if (env.CINT_MOCK_CLIENTS) input.clients = parseJsonOption('CINT_MOCK_CLIENTS', env.CINT_MOCK_CLIENTS);
  return Value.Convert(ConfigSchema, input) as ConfigInput;
}

export function parseJsonOption(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(`invalid configuration:\n  ${name}: expected JSON, got ${JSON.stringify(raw)}`);
  }
}
