#!/usr/bin/env node
// cint-mock's command line: flags -> config -> start. The only place that calls process.exit.
import { releaseYoungGeneration } from './start-heap.js';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  ConfigError, configFromEnv, configFromFile, ENV_NAMES, envSources, makeConfig, OptionError, overriddenByEnvironment, type Config, type ConfigInput,
  type ConfigSources,
} from './config.js';
import { listen } from './server.js';
import { ScenarioError, validateScenarioFolder } from './scenarios/load.js';
import { nearestName } from './scenarios/validate.js';

export const EXIT = { ok: 0, badConfig: 1, startFailed: 2 } as const;

const HELP = `cint-mock: a mock of the Cint Exchange Demand API (2025-12-18)

Usage: cint-mock [options]
       cint-mock validate [DIR]   check a folder of scenario files (default: --scenarios, else the
                                  built-in ones); exit code 1 when any file has a problem

Options (each also settable by the environment variable shown):
  --port N            port to listen on; 0 picks a free one (PORT, default 8080)
  --host HOST         address to bind (HOST, default 127.0.0.1)
  --auth-mode MODE    verify | decode | off (CINT_MOCK_AUTH_MODE, default verify)
  --token-algorithm ALG
                      HS256 | RS256: how tokens are signed; RS256 serves its public key at
                      /.well-known/jwks.json (CINT_MOCK_TOKEN_ALGORITHM, default HS256)
  --jwt-private-key-file FILE
                      with RS256: a PEM file of the RSA private key, so tokens outlive a restart
                      (CINT_MOCK_JWT_PRIVATE_KEY_FILE, default a key made for this instance alone)
  --log-level LEVEL   fatal|error|warn|info|debug|trace|silent (LOG_LEVEL, default info)
  --scenarios DIR     a folder of your scenario files, on top of the built-in ones (CINT_MOCK_SCENARIOS_DIR)
  --scenario NAME     the scenario every session starts with (CINT_MOCK_SCENARIO, default none)
  --reference-data FILE
                      your reference data (countries, locales, suppliers...), YAML or JSON: operation id
                      -> the body that read answers (CINT_MOCK_REFERENCE_DATA, default the document's)
  --store URL         where sessions live: memory (default), or redis://HOST:PORT of a Redis or Valkey
                      that several instances share and that outlives restarts (CINT_MOCK_STORE)
  --store-prefix P    the start of every Redis key (CINT_MOCK_STORE_PREFIX, default cint-mock)
  --session-idle-timeout D
                      forget a session nobody used for D: 90s, 30m, 24h (CINT_MOCK_SESSION_IDLE_TIMEOUT, default 24h)
  --tls-cert FILE --tls-key FILE
                      serve HTTPS with this PEM certificate and its unencrypted key
                      (CINT_MOCK_TLS_CERT_FILE, CINT_MOCK_TLS_KEY_FILE)
  --tls-self-signed HOSTS
                      serve HTTPS with a certificate made at start for these comma-separated host
                      names and addresses, plus localhost, 127.0.0.1 and ::1 (CINT_MOCK_TLS_SELF_SIGNED)
  --tls-cert-out FILE where the made certificate is written for clients to trust
                      (CINT_MOCK_TLS_CERT_OUT, default a new file in the temporary folder)
  --config FILE       a YAML or JSON file of options (CINT_MOCK_CONFIG); flags and environment win over it
  -h, --help          this text

When it is ready it prints one JSON line on stdout: {"event":"listening","url":"http://HOST:PORT","port":PORT},
with TLS also "certificate": the file of the certificate a client should trust.
Logs go to stderr. Exit codes: 0 stopped cleanly, 1 bad configuration or scenario file, 2 could not start.`;

type CliInput = ConfigInput & { help?: boolean; command?: string[]; configFile?: string };

/** The flag that sets each option, for error messages. */
const FLAG_OF: Record<string, string> = {
  port: '--port', host: '--host', authMode: '--auth-mode', logLevel: '--log-level',
  tokenAlgorithm: '--token-algorithm', jwtPrivateKeyFile: '--jwt-private-key-file',
  scenariosDir: '--scenarios', scenario: '--scenario', referenceData: '--reference-data',
  store: '--store', storePrefix: '--store-prefix', sessionIdleTimeout: '--session-idle-timeout',
  tlsCertFile: '--tls-cert', tlsKeyFile: '--tls-key', tlsSelfSigned: '--tls-self-signed', tlsCertOut: '--tls-cert-out',
};

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'auth-mode': { type: 'string' },
  'token-algorithm': { type: 'string' },
  'jwt-private-key-file': { type: 'string' },
  'log-level': { type: 'string' },
  scenarios: { type: 'string' },
  scenario: { type: 'string' },
  'reference-data': { type: 'string' },
  store: { type: 'string' },
  'store-prefix': { type: 'string' },
  'session-idle-timeout': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-self-signed': { type: 'string' },
  'tls-cert-out': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * What is wrong with the flags, in our words: parseArgs's own messages are about its API ("To specify a
 * positional argument starting with a '-', place it at the end of the command after '--', as in '--
 * "--version"'"). The flags are read loosely first, to find each mistake, then strictly.
 */
function checkFlags(argv: string[]): void {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = (OPTIONS as Record<string, { type: 'string' | 'boolean' }>)[token.name];
    if (!option) {
      const nearest = token.rawName.startsWith('--') ? nearestFlag(token.name) : undefined;
      throw new TypeError(`unknown option ${token.rawName}${nearest ? ` (did you mean --${nearest}?)` : ''}; see --help`);
    }
    if (option.type === 'boolean' && token.value !== undefined) throw new TypeError(`option ${token.rawName} takes no value; see --help`);
    if (option.type === 'string' && token.value === undefined) throw new TypeError(`option ${token.rawName} needs a value; see --help`);
    if (option.type === 'string' && !token.inlineValue && token.value!.startsWith('-')) {
      throw new TypeError(`option ${token.rawName} needs a value, and ${token.value} looks like an option (for a value that starts with "-", write ${token.rawName}=${token.value}); see --help`);
    }
  }
}

/** The flag a mistyped one most likely meant: the nearest name, else the one it starts with (--scenarios-dir: --scenarios). */
function nearestFlag(name: string): string | undefined {
  const names = Object.keys(OPTIONS);
  const nearest = nearestName(name, names);
  if (nearest) return nearest;
  const within = names.filter((known) => name.startsWith(known) && known.length >= 3).sort((a, b) => b.length - a.length);
  return within[0];
}

function flagsToInput(argv: string[]): CliInput {
  checkFlags(argv);
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS, strict: true });
  const input: Record<string, unknown> = {};
  // Only digits are a port: Number('') is 0 (a random port) and Number('abc') NaN, which the error would show as null.
  if (values.port !== undefined) input.port = /^\d+$/.test(values.port) ? Number(values.port) : values.port;
  if (values.host !== undefined) input.host = values.host;
  if (values['auth-mode'] !== undefined) input.authMode = values['auth-mode'];
  if (values['token-algorithm'] !== undefined) input.tokenAlgorithm = values['token-algorithm'];
  if (values['jwt-private-key-file'] !== undefined) input.jwtPrivateKeyFile = values['jwt-private-key-file'];
  if (values['log-level'] !== undefined) input.logLevel = values['log-level'];
  if (values.scenarios !== undefined) input.scenariosDir = values.scenarios;
  if (values.scenario !== undefined) input.scenario = values.scenario;
  if (values['reference-data'] !== undefined) input.referenceData = values['reference-data'];
  if (values.store !== undefined) input.store = values.store;
  if (values['store-prefix'] !== undefined) input.storePrefix = values['store-prefix'];
  if (values['session-idle-timeout'] !== undefined) input.sessionIdleTimeout = values['session-idle-timeout'];
  if (values['tls-cert'] !== undefined) input.tlsCertFile = values['tls-cert'];
  if (values['tls-key'] !== undefined) input.tlsKeyFile = values['tls-key'];
  if (values['tls-self-signed'] !== undefined) input.tlsSelfSigned = values['tls-self-signed'];
  if (values['tls-cert-out'] !== undefined) input.tlsCertOut = values['tls-cert-out'];
  if (values.config !== undefined) input.configFile = values.config;
  if (values.help) input.help = true;
  if (positionals.length > 0) {
    if (positionals[0] !== 'validate' || positionals.length > 2) throw new TypeError(`unknown command: ${positionals.join(' ')}; see --help`);
    input.command = positionals;
  }
  return input as CliInput;
}

/** `cint-mock validate [DIR]`: every problem on stderr, a summary on stdout. */
async function validate(dir: string | undefined): Promise<never> {
  const outcome = await validateScenarioFolder(dir);
  if (outcome.ok) {
    process.stdout.write(`${outcome.dir}: ${outcome.names.length} scenario${outcome.names.length === 1 ? '' : 's'} valid (${outcome.names.join(', ')})\n`);
    process.exit(EXIT.ok);
  }
  process.stderr.write(`cint-mock: ${outcome.error.message}\n`);
  process.exit(EXIT.badConfig);
}

/**
 * Readable logs for a terminal, written in-process (no worker thread). pino-pretty is loaded only when
 * asked for, and may be left out of a production install: then undefined, and the logs stay JSON.
 */
async function prettyStream(): Promise<NodeJS.WritableStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ destination: 2, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return undefined;
  }
}

/** The known variable an unknown CINT_MOCK_ one most likely meant, LOG_LEVEL, PORT and HOST included (CINT_MOCK_LOGLEVEL: LOG_LEVEL). */
function nearestVariable(name: string): string | undefined {
  const stem = (variable: string) => variable.replace(/^CINT_MOCK_/, '');
  const wanted = stem(name);
  const same = ENV_NAMES.find((known) => known !== name && stem(known) === wanted);
  if (same) return same;
  const nearest = nearestName(wanted, ENV_NAMES.map(stem));
  return nearest === undefined ? undefined : ENV_NAMES.find((known) => stem(known) === nearest);
}

/** A warning for each CINT_MOCK_ variable the mock does not read. */
function unknownVariables(): string[] {
  return Object.keys(process.env).filter((name) => name.startsWith('CINT_MOCK_') && !ENV_NAMES.includes(name)).map((name) => {
    const nearest = nearestVariable(name);
    return `ignoring the unknown environment variable ${name}${nearest ? `; did you mean ${nearest}?` : ''}`;
  });
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * Warnings from before the logger exists, written as the logs are: a JSON line shaped as pino's (level,
 * time, pid, hostname, msg) when the logs are JSON, so a log collector reading the image's stderr gets
 * only JSON; plain text on a pretty terminal; nothing below the log level.
 */
function writeWarnings(warnings: readonly string[], json: boolean, level: string): void {
  if (LEVELS.warn! < (LEVELS[level] ?? LEVELS.info!)) return;
  for (const msg of warnings) {
    process.stderr.write(json ? `${JSON.stringify({ level: LEVELS.warn, time: Date.now(), pid: process.pid, hostname: hostname(), msg })}\n` : `cint-mock: ${msg}\n`);
  }
}

/**
 * The ready line, in the file CINT_MOCK_LISTENING_FILE names (the image sets it): its health check reads
 * the port and scheme there, whatever gave them. Written whole, then renamed into place, so a check never
 * reads half of it. A file that cannot be written is logged; the check then falls back to PORT.
 */
function writeListeningFile(file: string, line: string, log: { warn(object: object, message: string): void }): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, line);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    log.warn({ file, err: error }, 'cannot write the listening file (CINT_MOCK_LISTENING_FILE): the health check falls back to PORT');
  }
}

/**
 * The folder `validate` checks when none is named: --scenarios, else CINT_MOCK_SCENARIOS_DIR, else the
 * config file's scenariosDir, else the built-in one. Nothing else is read or checked: a bad setting that
 * loading scenarios does not use (PORT=abc, or `port: abc` in the file) is no reason for validate to fail.
 */
function foldersToValidate(flags: ConfigInput, configFile: string | undefined): string | undefined {
  return flags.scenariosDir ?? (process.env.CINT_MOCK_SCENARIOS_DIR || undefined) ?? (configFile ? configFromFile(configFile, 'scenariosDir').scenariosDir : undefined);
}

async function main(): Promise<void> {
  // Who started it, read first: a parent that dies while the server starts must still be noticed.
  const parent = process.ppid;
  let config: Config;
  let sources: ConfigSources = {};
  let warnings = unknownVariables();
  try {
    const { help, command, configFile: fileFlag, ...flags } = flagsToInput(process.argv.slice(2));
    if (help) {
      process.stdout.write(`${HELP}\n`);
      return;
    }
    const configFile = fileFlag ?? (process.env.CINT_MOCK_CONFIG || undefined);
    if (command) {
      // A command's output is text for a person or a CI log, not the server's logs.
      writeWarnings(warnings, false, 'info');
      await validate(command[1] ?? foldersToValidate(flags, configFile));
    }
    const fromFile = configFile ? configFromFile(configFile) : {};
    const fromEnv = configFromEnv();
    const envNames = envSources();
    // Each option's error names what the user wrote: the flag, else the variable, else the file's key.
    sources = {
      ...Object.fromEntries(Object.keys(fromFile).map((key) => [key, `${configFile}: ${key}`])),
      ...envNames,
      ...Object.fromEntries(Object.keys(flags).map((key) => [key, FLAG_OF[key] ?? key])),
    };
    config = makeConfig({ ...fromFile, ...fromEnv, ...flags }, sources);
    // A flag that sets it too is the user's own choice, said on the command line: no word then.
    for (const { key, variable } of overriddenByEnvironment(fromFile, fromEnv, envNames).filter(({ key }) => !Object.hasOwn(flags, key))) {
      warnings = [...warnings, `the config file's ${key} (${configFile}) is not used: ${variable} is set, and the environment wins over a config file (flags > environment > file); unset ${variable} (docker run -e ${variable}=) to use the file's`];
    }
  } catch (error) {
    // A start that stops here has no logger: its warnings go out as text with its error (a typo'd
    // variable may be why), which is text itself.
    writeWarnings(warnings, false, 'info');
    process.stderr.write(`cint-mock: ${error instanceof ConfigError || error instanceof TypeError ? error.message : String(error)}\n`);
    process.exit(EXIT.badConfig);
  }

  // A stop asked for while the server starts (docker stop just after docker run, Ctrl-C while the store is
  // checked): nothing is in flight yet, so the process exits at once, 0. As a container's PID 1, node
  // would otherwise ignore it (the kernel gives PID 1 no default action for a signal), and docker stop
  // would wait its 10 s, then kill it. Once the server listens, the same listeners drain it instead: one
  // listener per signal for the whole start, its action changed, never removed and added again. Removing
  // a signal's last listener closes Node's watcher of it, and a signal that had arrived but not yet been
  // handed to JavaScript (the start keeps the event loop from looking) was lost in the swap: the server
  // went on to listen as if nothing had been asked, and ran on.
  let onStopSignal = (_signal: string): void => process.exit(EXIT.ok);
  const stopSignal = (signal: NodeJS.Signals) => onStopSignal(signal);
  process.once('SIGTERM', stopSignal);
  process.once('SIGINT', stopSignal);
  const wantsPretty = (config.logPretty ?? process.stderr.isTTY === true) && config.logLevel !== 'silent';
  const prettyLogs = wantsPretty ? await prettyStream() : undefined;
  if (wantsPretty && !prettyLogs) warnings = [...warnings, 'pino-pretty is not installed; logs stay JSON'];
  writeWarnings(warnings, !prettyLogs, config.logLevel);
  // Silent writes nothing: no logger at all, so no request pays for a child logger it never writes to.
  const logger = config.logLevel === 'silent' ? false : { level: config.logLevel, stream: prettyLogs ?? process.stderr };
  let mock;
  try {
    mock = await listen(config, logger);
  } catch (error) {
    // A broken scenario or reference data file is the user's configuration: exit 1 with every problem it has.
    if (error instanceof ScenarioError || error instanceof ConfigError) {
      // An option's problem found at the start names the option as the user gave it, as makeConfig's do.
      const message = error instanceof OptionError ? error.describe(sources) : error.message;
      process.stderr.write(`cint-mock: ${message}\n`);
      process.exit(EXIT.badConfig);
    }
    process.stderr.write(`cint-mock: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.startFailed);
  }
  releaseYoungGeneration();
  const listeningFile = process.env.CINT_MOCK_LISTENING_FILE || undefined;
  const stop = (signal: string) => {
    mock.app.log.info({ signal }, 'shutting down: draining in-flight requests');
    // The health check reads the file: a stopped server's port is not one to ask.
    if (listeningFile) rmSync(listeningFile, { force: true });
    mock.close().then(() => process.exit(EXIT.ok), () => process.exit(EXIT.ok));
  };
  // Before the ready line: a SIGTERM sent as soon as it is read arrived, now and then, before the
  // handler was in place, and ended the process by the signal instead of a drain and exit 0.
  onStopSignal = stop;
  const ready = { event: 'listening', url: mock.url, port: mock.port, ...(mock.tls ? { certificate: mock.tls.certificateFile } : {}) };
  if (listeningFile) writeListeningFile(listeningFile, `${JSON.stringify(ready)}\n`, mock.app.log);
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  // Under `npm start`, a SIGTERM ends npm without passing it on, and the server would go on listening
  // on its own: when run by an npm script, it stops when the process that started it is gone.
  if (process.env.npm_lifecycle_event) {
    const watchParent = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watchParent);
      stop('npm exited');
    }, 250);
    watchParent.unref();
  }
}

void main();
