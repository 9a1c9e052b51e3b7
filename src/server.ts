// Starting and stopping a listening mock: used by the CLI and by test suites in-process.
import type { FastifyServerOptions } from 'fastify';
import { buildApp, type MockApp } from './app.js';
import { makeConfig, type Config, type ConfigInput } from './config.js';
import { controlOf, type MockControl } from './control.js';

export interface RunningMock extends MockControl {
  /** The base URL, e.g. http://127.0.0.1:41873 */
  url: string;
  port: number;
  app: MockApp;
  config: Config;
  /** Stops accepting connections, lets in-flight requests finish (up to shutdownGraceMs), then closes. */
  close(): Promise<void>;
}

export interface StartOptions extends ConfigInput {
  logger?: FastifyServerOptions['logger'];
}

export async function startMock(options: StartOptions = {}): Promise<RunningMock> {
  const { logger, ...input } = options;
  // `port: undefined` means the default too: a suite's own default, 0, not the CLI's 8080.
  const config = makeConfig({ ...input, port: input.port ?? 0 });
  return listen(config, logger);
}

export async function listen(config: Config, logger?: FastifyServerOptions['logger']): Promise<RunningMock> {
  const app = await buildApp(config, { logger: logger ?? false });
  await app.listen({ port: config.port, host: config.host });
  if (config.adminEnabled && !config.adminToken && !isLoopback(config.host)) {
    app.log.warn({ host: config.host },
      'the admin API has no token and the server listens beyond this machine: anyone who reaches it can reset every session; set adminToken (CINT_MOCK_ADMIN_TOKEN)');
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    ...controlOf(app),
    url, port, app, config,
    close: () => {
      closing ??= closeGracefully(app, config.shutdownGraceMs);
      return closing;
    },
  };
}

async function closeGracefully(app: MockApp, graceMs: number): Promise<void> {
  // Requests still open after the grace period (a scripted hang, say) are cut so shutdown is bounded.
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  timer.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
