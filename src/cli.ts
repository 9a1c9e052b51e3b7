#!/usr/bin/env node
// cint-mock's command line: flags -> config -> start. The only place that calls process.exit.
import { parseArgs } from 'node:util';
import { ConfigError, configFromEnv, makeConfig, type ConfigInput } from './config.js';
import { listen } from './server.js';

export const EXIT = { ok: 0, badConfig: 1, startFailed: 2 } as const;

const HELP = `cint-mock: a mock of the Cint Exchange Demand API (2025-12-18)

Usage: cint-mock [options]

Options (each also settable by the environment variable shown):
  --port N            port to listen on; 0 picks a free one (PORT, default 8080)
  --host HOST         address to bind (HOST, default 127.0.0.1)
  --auth-mode MODE    verify | decode | off (CINT_MOCK_AUTH_MODE, default verify)
  --log-level LEVEL   fatal|error|warn|info|debug|trace|silent (LOG_LEVEL, default info)
  -h, --help          this text

When it is ready it prints one JSON line on stdout: {"event":"listening","url":"http://HOST:PORT"}.
Logs go to stderr. Exit codes: 0 stopped cleanly, 1 bad configuration, 2 could not start.`;

function flagsToInput(argv: string[]): ConfigInput & { help?: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'auth-mode': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const input: Record<string, unknown> = {};
  if (values.port !== undefined) input.port = Number(values.port);
  if (values.host !== undefined) input.host = values.host;
  if (values['auth-mode'] !== undefined) input.authMode = values['auth-mode'];
  if (values['log-level'] !== undefined) input.logLevel = values['log-level'];
  if (values.help) input.help = true;
  return input as ConfigInput & { help?: boolean };
}

async function main(): Promise<void> {
  let config;
  try {
    const { help, ...flags } = flagsToInput(process.argv.slice(2));
    if (help) {
      process.stdout.write(`${HELP}\n`);
      return;
    }
    config = makeConfig({ ...configFromEnv(), ...flags });
  } catch (error) {
    process.stderr.write(`cint-mock: ${error instanceof ConfigError || error instanceof TypeError ? error.message : String(error)}\n`);
    process.exit(EXIT.badConfig);
  }

  const pretty = config.logPretty ?? process.stderr.isTTY === true;
  const logger = {
    level: config.logLevel,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : { stream: process.stderr }),
  };
  let mock;
  try {
    mock = await listen(config, logger);
  } catch (error) {
    process.stderr.write(`cint-mock: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.startFailed);
  }
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: mock.url, port: mock.port })}\n`);

  const stop = (signal: string) => {
    mock.app.log.info({ signal }, 'shutting down: draining in-flight requests');
    mock.close().then(() => process.exit(EXIT.ok), () => process.exit(EXIT.ok));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
