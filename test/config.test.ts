// Configuration: defaults, every invalid option named, the environment read as the schema's types,
// and YAML/JSON config files whose errors name the file.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, configFromEnv, configFromFile, envSources, makeConfig, type ConfigInput } from '../src/config.js';
import { idleMs } from '../src/sessions/clock.js';

/** The ConfigError's message, failing when `run` does not throw one. */
function configErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  return assert.fail('expected a ConfigError');
}

describe('makeConfig', () => {
  it('fills in the defaults and freezes the result', () => {
    const config = makeConfig();
    assert.match(config.jwtSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(makeConfig().jwtSecret, config.jwtSecret, 'each instance a key of its own');
    assert.equal(makeConfig({ jwtSecret: 'a-secret-of-my-own-0123' }).jwtSecret, 'a-secret-of-my-own-0123');
    assert.deepEqual({ ...config, jwtSecret: '(random)' }, {
      port: 8080,
      host: '127.0.0.1',
      authMode: 'verify',
      jobPolls: 0,
      jobDuration: 'PT0S',
      jwtSecret: '(random)',
      tokenAlgorithm: 'HS256',
      tokenTtlSeconds: 86400,
      expiredTokenStatus: 401,
      clients: [],
      maxSessions: 1000,
      maxSessionsPerClient: 100,
      shareNamedSessions: false,
      maxObjectsPerSession: 10000,
      maxSessionBytes: 4194304,
      maxIdempotencyKeysPerSession: 1000,
      bodyLimitBytes: 1048576,
      headersTimeoutMs: 10000,
      requestTimeoutMs: 30000,
      keepAliveTimeoutMs: 72000,
      hangTimeoutMs: 600000,
      logLevel: 'info',
      shutdownGraceMs: 1500,
      watchScenarios: true,
      watchPollMs: 0,
      inlineScenarioBytes: 16777216,
      adminEnabled: true,
      journalSize: 1000,
      journalBytes: 262144,
      webhookRequireHttps: false,
      webhookTimeoutMs: 5000,
      webhookRetries: 5,
      webhookRetryBaseMs: 1000,
      webhookRetryMaxMs: 60000,
      webhookCircuitFailures: 10,
      webhookCircuitOpenMs: 30000,
      webhookQueueLimit: 100,
      webhookHistoryLimit: 1000,
      webhookConcurrency: 16,
      fielding: { starts_per_hour: 2, complete: 0.3, screen_out: 0.5, over_quota: 0.05 },
      store: 'memory',
      storePrefix: 'cint-mock',
      sessionIdleTimeout: '24h',
      // Made here, not given: instances on one shared store then adopt one of theirs.
      jwtSecretMade: true,
    });
    assert.ok(Object.isFrozen(config));
    assert.equal(makeConfig({ jwtSecret: 'a-secret-of-my-own-0123' }).jwtSecretMade, undefined);
  });

  it('store: memory or a redis:// URL, with a prefix and an idle timeout people write (90s, 24h) or ISO 8601', () => {
    assert.equal(makeConfig(configFromEnv({ CINT_MOCK_STORE: 'redis://cache:6379/2' })).store, 'redis://cache:6379/2');
    assert.equal(makeConfig({ store: 'rediss://user:pw@cache:6380' }).store, 'rediss://user:pw@cache:6380');
    assert.throws(() => makeConfig({ store: 'postgres://db' }, { store: '--store' }), /--store \(store\): Expected string to match '\^\(memory\|rediss\?:\/\/\.\+\)\$'/);
    assert.throws(() => makeConfig({ storePrefix: 'has space' }), /storePrefix/);
    for (const [text, ms] of [['90s', 90_000], ['30m', 1_800_000], ['24h', 86_400_000], ['7d', 604_800_000], ['500ms', 500], ['PT30M', 1_800_000], ['P1D', 86_400_000]] as const) {
      assert.equal(idleMs(makeConfig({ sessionIdleTimeout: text }).sessionIdleTimeout), ms, text);
    }
    assert.throws(() => makeConfig({ sessionIdleTimeout: '1 day' }, { sessionIdleTimeout: 'CINT_MOCK_SESSION_IDLE_TIMEOUT' }), /CINT_MOCK_SESSION_IDLE_TIMEOUT \(sessionIdleTimeout\)/);
  });

  it('fielding: the simulator\'s rates, defaulted field by field, from the file or CINT_MOCK_FIELDING; shares over 1 and unknown fields named', () => {
    assert.deepEqual(makeConfig({ fielding: { starts_per_hour: 30, seed: 7 } as ConfigInput['fielding'] }).fielding, { starts_per_hour: 30, complete: 0.3, screen_out: 0.5, over_quota: 0.05, seed: 7 });
    assert.deepEqual(configFromEnv({ CINT_MOCK_FIELDING: '{"starts_per_hour":0}' }), { fielding: { starts_per_hour: 0 } });
    assert.throws(() => makeConfig({ fielding: { complete: 0.6, screen_out: 0.5 } as ConfigInput['fielding'] }, { fielding: 'CINT_MOCK_FIELDING' }),
      /CINT_MOCK_FIELDING \(fielding\): 'complete' \+ 'screen_out' \+ 'over_quota' must be at most 1 \(the rest drop off\), got 1\.15/);
    assert.throws(() => makeConfig({ fielding: { start_per_hour: 3 } as unknown as ConfigInput['fielding'] }), /fielding\.start_per_hour: Unexpected property; did you mean starts_per_hour\?/);
    assert.throws(() => configFromEnv({ CINT_MOCK_FIELDING: '{nope' }), /CINT_MOCK_FIELDING: expected JSON/);
  });

  it('keeps what it is given', () => {
    const config = makeConfig({ port: 0, authMode: 'off', journalSize: 0, adminToken: 'admin-secret', clients: [{ client_id: 'a', client_secret: 'b', accounts: [1] }] });
    assert.equal(config.port, 0);
    assert.equal(config.authMode, 'off');
    assert.equal(config.journalSize, 0);
    assert.equal(config.adminToken, 'admin-secret');
    assert.deepEqual(config.clients, [{ client_id: 'a', client_secret: 'b', accounts: [1] }]);
  });

  it('names every invalid option in one error', () => {
    const invalid: Record<string, unknown> = {
      port: 70000, host: '', authMode: 'nope', jwtSecret: 'short', tokenAlgorithm: 'ES256', jwtPrivateKeyFile: '', tokenTtlSeconds: 0, clients: [{ client_id: '', client_secret: 's', extra: 1 }],
      maxSessions: 0, maxObjectsPerSession: 0, maxIdempotencyKeysPerSession: 0, bodyLimitBytes: 10, logLevel: 'loud', logPretty: 'yes',
      shutdownGraceMs: -1, scenariosDir: '', scenario: '', watchScenarios: 'sometimes', adminToken: '', adminEnabled: 'no', journalSize: -1,
      bogus: true,
    };
    const message = configErrorOf(() => makeConfig(invalid as ConfigInput));
    for (const name of Object.keys(invalid).filter((key) => key !== 'clients')) {
      assert.match(message, new RegExp(`^  ${name}: `, 'm'), `${name} is not named in:\n${message}`);
    }
    assert.match(message, /^ {2}clients\.0\.client_id: /m);
    assert.match(message, /^ {2}clients\.0\.extra: Unexpected property \(known fields: client_id, client_secret, accounts\)/m);
    assert.match(message, /^ {2}bogus: Unexpected property \(known options: port, host, authMode/m);
    assert.match(message, /^ {2}authMode: Expected one of "verify", "decode", "off" \(got "nope"\)$/m);
    assert.match(message, /^ {2}tokenAlgorithm: Expected one of "HS256", "RS256" \(got "ES256"\)$/m);
    assert.match(message, /^ {2}port: .* \(got 70000\)$/m);
  });
});

describe('the signing key of RS256 tokens', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cint-mock-keys-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const keyFile = (name: string, pem: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, pem);
    return path;
  };
  const rsaPem = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const fromEnv = { tokenAlgorithm: 'CINT_MOCK_TOKEN_ALGORITHM', jwtPrivateKeyFile: 'CINT_MOCK_JWT_PRIVATE_KEY_FILE', jwtSecret: 'CINT_MOCK_JWT_SECRET' } as const;

  it('HS256 makes no RSA key; RS256 makes one per instance, or reads the file\'s, the same for every instance', () => {
    assert.equal(makeConfig().jwtKey, undefined);
    const made = makeConfig({ tokenAlgorithm: 'RS256' });
    assert.match(made.jwtKey!.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(makeConfig({ tokenAlgorithm: 'RS256' }).jwtKey!.kid, made.jwtKey!.kid);
    const file = keyFile('stable.pem', rsaPem(2048));
    const read = makeConfig({ tokenAlgorithm: 'RS256', jwtPrivateKeyFile: file });
    assert.deepEqual(makeConfig({ tokenAlgorithm: 'RS256', jwtPrivateKeyFile: file }).jwtKey, read.jwtKey);
    assert.ok(Object.isFrozen(read));
  });

  it('an unreadable or unsuitable key file is named as the user gave it', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.pem'), /cannot read the key file: ENOENT/],
      [keyFile('garbage.pem', 'not a key\n'), /expected an unencrypted PEM private key \(PKCS#1 or PKCS#8\)/],
      [keyFile('public.pem', generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' })), /expected an unencrypted PEM private key/],
      [keyFile('ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' })), /expected an RSA private key for RS256, found a key of type ec/],
      [keyFile('small.pem', rsaPem(1024)), /expected an RSA key of 2048 bits or more, found 1024 bits/],
    ];
    for (const [file, reason] of cases) {
      const message = configErrorOf(() => makeConfig({ tokenAlgorithm: 'RS256', jwtPrivateKeyFile: file }, fromEnv));
      const line = message.split('\n').find((candidate) => candidate.startsWith('  CINT_MOCK_JWT_PRIVATE_KEY_FILE (jwtPrivateKeyFile): '));
      assert.ok(line?.endsWith(` (got ${JSON.stringify(file)})`), message);
      assert.match(line!, reason);
    }
    assert.match(configErrorOf(() => makeConfig({ tokenAlgorithm: 'RS256', jwtPrivateKeyFile: join(dir, 'missing.pem') })), /^ {2}jwtPrivateKeyFile: cannot read the key file: /m);
  });

  it('the options of one algorithm are refused with the other, the secret\'s value left out', () => {
    const file = keyFile('unused.pem', rsaPem(2048));
    assert.match(configErrorOf(() => makeConfig({ jwtPrivateKeyFile: file })),
      /^ {2}jwtPrivateKeyFile: a key for RS256 tokens, but tokenAlgorithm is HS256 \(the default\): set it to RS256 too \(got ".*unused\.pem"\)$/m);
    assert.match(configErrorOf(() => makeConfig({ tokenAlgorithm: 'HS256', jwtPrivateKeyFile: file })),
      /^ {2}jwtPrivateKeyFile: a key for RS256 tokens, but tokenAlgorithm is HS256: set it to RS256 too /m);
    assert.match(configErrorOf(() => makeConfig({ tokenAlgorithm: 'HS256', jwtPrivateKeyFile: file }, fromEnv)),
      /^ {2}CINT_MOCK_JWT_PRIVATE_KEY_FILE \(jwtPrivateKeyFile\): a key for RS256 tokens, but CINT_MOCK_TOKEN_ALGORITHM \(tokenAlgorithm\) is HS256: /m);
    const message = configErrorOf(() => makeConfig({ tokenAlgorithm: 'RS256', jwtSecret: 'a-secret-of-my-own-0123' }, fromEnv));
    assert.match(message, /^ {2}CINT_MOCK_JWT_SECRET \(jwtSecret\): an HS256 key, but CINT_MOCK_TOKEN_ALGORITHM \(tokenAlgorithm\) is RS256: leave it out/m);
    assert.ok(!message.includes('a-secret-of-my-own-0123'), message);
  });
});

describe('configFromEnv', () => {
  it('reads each variable as its option\'s type', () => {
    assert.deepEqual(configFromEnv({
      PORT: '9000', HOST: '0.0.0.0', CINT_MOCK_AUTH_MODE: 'decode', CINT_MOCK_WATCH_SCENARIOS: 'false', CINT_MOCK_ADMIN_ENABLED: 'true',
      CINT_MOCK_JOURNAL_SIZE: '25', CINT_MOCK_MAX_SESSIONS: '7', CINT_MOCK_ADMIN_TOKEN: 'admin-secret', LOG_LEVEL: 'warn', UNRELATED: 'x',
      CINT_MOCK_TOKEN_ALGORITHM: 'RS256', CINT_MOCK_JWT_PRIVATE_KEY_FILE: '/etc/cint-mock/key.pem',
    }), {
      port: 9000, host: '0.0.0.0', authMode: 'decode', watchScenarios: false, adminEnabled: true,
      journalSize: 25, maxSessions: 7, adminToken: 'admin-secret', logLevel: 'warn',
      tokenAlgorithm: 'RS256', jwtPrivateKeyFile: '/etc/cint-mock/key.pem',
    });
    assert.deepEqual(configFromEnv({}), {});
    assert.deepEqual(configFromEnv({ PORT: '' }), {});
  });

  it('leaves a value it cannot convert for makeConfig to name', () => {
    const input = configFromEnv({ PORT: 'eighty', CINT_MOCK_WATCH_SCENARIOS: 'sometimes' });
    const message = configErrorOf(() => makeConfig(input));
    assert.match(message, /^ {2}port: .*\(got "eighty"\)$/m);
    assert.match(message, /^ {2}watchScenarios: .*\(got "sometimes"\)$/m);
  });

  /** makeConfig's message for these variables alone, as the command line builds it. */
  const envError = (env: NodeJS.ProcessEnv) => configErrorOf(() => makeConfig(configFromEnv(env), envSources(env)));

  it('refuses an integer option whose text is not exactly an integer, naming the variable and the option', () => {
    // TypeBox's conversion read these with parseInt: PORT=1e3 listened on port 1, PORT=true on 1, 0x2594 on 9620.
    for (const [name, option, raw] of [
      ['PORT', 'port', '1e3'], ['PORT', 'port', 'true'], ['PORT', 'port', '0x2594'], ['PORT', 'port', '8080.5'], ['PORT', 'port', ' 80'],
      ['PORT', 'port', '+80'], ['CINT_MOCK_TOKEN_TTL_SECONDS', 'tokenTtlSeconds', '1e5'], ['CINT_MOCK_JOURNAL_SIZE', 'journalSize', '0b11'],
      ['CINT_MOCK_TOKEN_TTL_SECONDS', 'tokenTtlSeconds', '99999999999999999999'],
    ] as const) {
      assert.equal(envError({ [name]: raw }), `invalid configuration:\n  ${name} (${option}): Expected integer (got ${JSON.stringify(raw)})`);
    }
    assert.equal(envError({ CINT_MOCK_EXPIRED_TOKEN_STATUS: '4.03e2' }),
      'invalid configuration:\n  CINT_MOCK_EXPIRED_TOKEN_STATUS (expiredTokenStatus): Expected one of 401, 403 (got "4.03e2")');
    // A minus sign is an integer's: the option's range refuses it, saying why.
    assert.equal(envError({ PORT: '-5' }), 'invalid configuration:\n  PORT (port): Expected integer to be greater or equal to 0 (got -5)');
    assert.deepEqual(configFromEnv({ PORT: '08080', CINT_MOCK_EXPIRED_TOKEN_STATUS: '403', CINT_MOCK_WATCH_SCENARIOS: 'FALSE', CINT_MOCK_ADMIN_ENABLED: '1' }),
      { port: 8080, expiredTokenStatus: 403, watchScenarios: false, adminEnabled: true });
  });

  it('takes the numbers in CINT_MOCK_CLIENTS as JSON gives them: a fraction or a string is refused, not cut', () => {
    const clients = (accounts: unknown[]) => JSON.stringify([{ client_id: 'ci', client_secret: 'secret', accounts }]);
    assert.equal(envError({ CINT_MOCK_CLIENTS: clients(['101.7']) }),
      'invalid configuration:\n  CINT_MOCK_CLIENTS (clients.0.accounts.0): Expected integer (got "101.7")');
    assert.equal(envError({ CINT_MOCK_CLIENTS: clients([101.7]) }),
      'invalid configuration:\n  CINT_MOCK_CLIENTS (clients.0.accounts.0): Expected integer (got 101.7)');
    assert.equal(envError({ CINT_MOCK_FIELDING: '{"starts_per_hour":"2"}' }),
      'invalid configuration:\n  CINT_MOCK_FIELDING (fielding.starts_per_hour): Expected number (got "2")');
  });

  it('an object for CINT_MOCK_CLIENTS, not a list, is one line saying so', () => {
    assert.equal(envError({ CINT_MOCK_CLIENTS: '{}' }), 'invalid configuration:\n  CINT_MOCK_CLIENTS (clients): Expected array (got {})');
    assert.equal(configErrorOf(() => makeConfig({ fielding: [] as never })), 'invalid configuration:\n  fielding: Expected object (got [])');
  });

  it('reads CINT_MOCK_CLIENTS as JSON, and names it when it is not', () => {
    const clients = [{ client_id: 'ci', client_secret: 'secret', accounts: [101] }];
    assert.deepEqual(configFromEnv({ CINT_MOCK_CLIENTS: JSON.stringify(clients) }), { clients });
    assert.match(configErrorOf(() => configFromEnv({ CINT_MOCK_CLIENTS: '[{client_id: ci' })), /CINT_MOCK_CLIENTS: expected JSON/);
  });
});

describe('secrets in configuration errors', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cint-mock-secrets-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const envError = (env: NodeJS.ProcessEnv) => configErrorOf(() => makeConfig(configFromEnv(env), envSources(env)));

  it('name the option and the rule, never the value of jwtSecret, adminToken or a client secret', () => {
    assert.equal(envError({ CINT_MOCK_JWT_SECRET: 'myrealsecret123' }),
      'invalid configuration:\n  CINT_MOCK_JWT_SECRET (jwtSecret): Expected string length greater or equal to 16');
    const clients = envError({ CINT_MOCK_CLIENTS: '[{"client_id":"ci","client_secret":7},{"client_id":"x","client_secret":"hunter2-secret","client_secrt":"typo-secret"}]' });
    assert.equal(clients, 'invalid configuration:\n  CINT_MOCK_CLIENTS (clients.0.client_secret): Expected string\n'
      + '  CINT_MOCK_CLIENTS (clients.1.client_secrt): Unexpected property; did you mean client_secret? (known fields: client_id, client_secret, accounts)');
    assert.equal(envError({ CINT_MOCK_CLIENTS: '{"client_id":"ci","client_secret":"hunter2-secret"}' }),
      'invalid configuration:\n  CINT_MOCK_CLIENTS (clients): Expected array (got {"client_id":"ci","client_secret":"(hidden)"})');
    assert.equal(configErrorOf(() => configFromEnv({ CINT_MOCK_CLIENTS: '[{"client_id":"ci","client_secret":hunter2-secret}]' })),
      'invalid configuration:\n  CINT_MOCK_CLIENTS: expected JSON, got text that is not JSON (the text is left out, as it may hold secrets)');
    assert.equal(configErrorOf(() => configFromEnv({ CINT_MOCK_CLIENTS: '[{"client_id":"ci" "client_secret":"hunter2-secret"}]' })),
      'invalid configuration:\n  CINT_MOCK_CLIENTS: expected JSON, got text that is not JSON (its first mistake at character 20; the text is left out, as it may hold secrets)');
    assert.equal(configErrorOf(() => makeConfig({ adminToken: 12345 as never })), 'invalid configuration:\n  adminToken: Expected string');
    assert.equal(envError({ CINT_MOCK_STORE: 'http://cache:s3cret-pw@cache:6379' }),
      'invalid configuration:\n  CINT_MOCK_STORE (store): Expected string to match \'^(memory|rediss?://.+)$\' (got "http://cache:***@cache:6379")');
  });

  it('in a config file too, misspelt names included', () => {
    const path = join(dir, 'secrets.yaml');
    writeFileSync(path, 'jwtSecret: myrealsecret123\nadminTokn: my-admin-token\nclients:\n  - client_id: ci\n    client_secret: ""\n');
    const message = configErrorOf(() => makeConfig(configFromFile(path)));
    assert.equal(message, `invalid config file ${path}:\n`
      + '  adminTokn: Unexpected property; did you mean adminToken? (known options: ' + message.split('(known options: ')[1]!.split('\n')[0]! + '\n'
      + '  jwtSecret: Expected string length greater or equal to 16\n'
      + '  clients.0.client_secret: Expected string length greater or equal to 1');
    assert.ok(!message.includes('myrealsecret123') && !message.includes('my-admin-token'), message);
    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- jwtSecret: myrealsecret123\n');
    assert.equal(configErrorOf(() => configFromFile(list)), `invalid config file ${list}:\n  (root): expected an object of options, got [{"jwtSecret":"(hidden)"}]`);
  });
});

describe('configFromFile', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cint-mock-config-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads YAML', () => {
    const path = file('staging.yaml', 'port: 9090\nauthMode: off\nmaxSessions: 50\nclients:\n  - client_id: ci\n    client_secret: secret\n    accounts: [101]\n');
    assert.deepEqual(configFromFile(path), {
      port: 9090, authMode: 'off', maxSessions: 50, clients: [{ client_id: 'ci', client_secret: 'secret', accounts: [101] }],
    });
  });

  it("resolves a relative file or folder against the config file's folder, not the working directory", () => {
    const path = file('paths.yaml', [
      'scenariosDir: ./sc', 'referenceData: data/reference.yaml', 'tlsCertOut: ../out/cert.pem', `jwtPrivateKeyFile: ${join(dir, 'abs.pem')}`, 'port: 9092',
    ].join('\n'));
    assert.deepEqual(configFromFile(path), {
      scenariosDir: join(dir, 'sc'), referenceData: join(dir, 'data', 'reference.yaml'), tlsCertOut: join(dir, '..', 'out', 'cert.pem'),
      jwtPrivateKeyFile: join(dir, 'abs.pem'), port: 9092,
    });
  });

  it('reads JSON', () => {
    const path = file('staging.json', JSON.stringify({ port: 9091, journalSize: 10, adminEnabled: false }));
    assert.deepEqual(configFromFile(path), { port: 9091, journalSize: 10, adminEnabled: false });
  });

  it('an empty file sets nothing', () => {
    assert.deepEqual(configFromFile(file('empty.yaml', '')), {});
  });

  it('names the file, each unknown option and each wrong type', () => {
    const path = file('broken.yaml', 'port: "eighty"\nauthMod: off\njournalSize: -3\n');
    const message = configErrorOf(() => configFromFile(path));
    assert.ok(message.includes(path), message);
    assert.match(message, /^ {2}port: Expected integer \(got "eighty"\)$/m);
    assert.match(message, /^ {2}authMod: Unexpected property; did you mean authMode\? \(known options: /m);
    assert.match(message, /^ {2}journalSize: .*\(got -3\)$/m);
  });

  it('names the file when it is missing, not YAML, or not an object of options', () => {
    const missing = join(dir, 'missing.yaml');
    assert.ok(configErrorOf(() => configFromFile(missing)).startsWith(`cannot read the config file ${missing}: `));
    const unparsable = file('unparsable.yaml', 'port: [1, 2\n');
    assert.ok(configErrorOf(() => configFromFile(unparsable)).startsWith(`the config file ${unparsable} is not valid YAML or JSON: `));
    const list = file('list.yaml', '- port: 1\n');
    assert.ok(configErrorOf(() => configFromFile(list)).startsWith(`invalid config file ${list}:\n  (root): expected an object of options`));
  });

  it('names the place of an alias inside its own anchor, and of nesting past 64, which the schema\'s messages could not print', () => {
    const cyclic = file('cyclic.yaml', 'port: 9090\nclients: &clients\n  - client_id: ci\n    also: *clients\n');
    assert.equal(configErrorOf(() => configFromFile(cyclic)),
      `invalid config file ${cyclic}:\n  clients.0.also: expected an alias outside the node its anchor names, got an alias to a node that holds it`);
    const deep = file('deep.json', JSON.stringify({ port: 9090, clients: JSON.parse(`${'['.repeat(70)}1${']'.repeat(70)}`) }));
    assert.equal(configErrorOf(() => configFromFile(deep)),
      `invalid config file ${deep}:\n  clients${'.0'.repeat(63)}: expected objects and arrays nested at most 64 deep, got deeper nesting`);
  });
});
