// Configuration: defaults, every invalid option named, the environment read as the schema's types,
// and YAML/JSON config files whose errors name the file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, configFromEnv, configFromFile, makeConfig, type ConfigInput } from '../src/config.js';

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
      logLevel: 'info',
      shutdownGraceMs: 1500,
      watchScenarios: true,
      watchPollMs: 0,
      adminEnabled: true,
      journalSize: 1000,
      journalBytes: 262144,
    });
    assert.ok(Object.isFrozen(config));
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
      port: 70000, host: '', authMode: 'nope', jwtSecret: 'short', tokenTtlSeconds: 0, clients: [{ client_id: '', client_secret: 's', extra: 1 }],
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
    assert.match(message, /^ {2}port: .* \(got 70000\)$/m);
  });
});

describe('configFromEnv', () => {
  it('reads each variable as its option\'s type', () => {
    assert.deepEqual(configFromEnv({
      PORT: '9000', HOST: '0.0.0.0', CINT_MOCK_AUTH_MODE: 'decode', CINT_MOCK_WATCH_SCENARIOS: 'false', CINT_MOCK_ADMIN_ENABLED: 'true',
      CINT_MOCK_JOURNAL_SIZE: '25', CINT_MOCK_MAX_SESSIONS: '7', CINT_MOCK_ADMIN_TOKEN: 'admin-secret', LOG_LEVEL: 'warn', UNRELATED: 'x',
    }), {
      port: 9000, host: '0.0.0.0', authMode: 'decode', watchScenarios: false, adminEnabled: true,
      journalSize: 25, maxSessions: 7, adminToken: 'admin-secret', logLevel: 'warn',
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

  it('reads CINT_MOCK_CLIENTS as JSON, and names it when it is not', () => {
    const clients = [{ client_id: 'ci', client_secret: 'secret', accounts: [101] }];
    assert.deepEqual(configFromEnv({ CINT_MOCK_CLIENTS: JSON.stringify(clients) }), { clients });
    assert.match(configErrorOf(() => configFromEnv({ CINT_MOCK_CLIENTS: '[{client_id: ci' })), /CINT_MOCK_CLIENTS: expected JSON/);
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
});
