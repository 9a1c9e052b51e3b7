// Starting and stopping a listening mock: used by the CLI and by test suites in-process.
import type { FastifyServerOptions } from 'fastify';
import { buildApp, type MockApp } from './app.js';
import { makeConfig, OptionError, type Config, type ConfigInput } from './config.js';
import { controlOf, type MockControl } from './control.js';
import { generateSelfSigned, removeMadeCertificate, type TlsMaterial } from './tls.js';

export interface RunningMock extends MockControl {
  /** The base URL, e.g. http://127.0.0.1:41873, or https://127.0.0.1:41873 with TLS. */
  url: string;
  port: number;
  /**
   * With TLS: the certificate (PEM) a client should trust, e.g. undici's `connect: { ca }`, and the file
   * it is in (the one given, or where the self-signed one was written). Absent without TLS.
   */
  tls?: { certificate: string; certificateFile: string; names: string[]; selfSigned: boolean };
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
  const tls = config.tls ?? (config.tlsNames ? await selfSigned(config.tlsNames, config.tlsCertOut) : undefined);
  let app: MockApp | undefined;
  try {
    app = await buildApp(config, { logger: logger ?? false, ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}) });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A start that fails (a port taken, say) leaves nothing open and no certificate of its own behind;
    // the error is the start's, not the close's.
    await app?.close().catch(() => undefined);
    if (tls) removeMadeCertificate(tls);
    throw error;
  }
  if (config.adminEnabled && !config.adminToken && !isLoopback(config.host)) {
    app.log.warn({ host: config.host },
      'the admin API has no token and the server listens beyond this machine: anyone who reaches it can reset every session; set adminToken (CINT_MOCK_ADMIN_TOKEN)');
  }
  if (tls) {
    app.log.info({ certificate: tls.certificateFile, names: tls.names },
      tls.selfSigned ? 'serving HTTPS with a self-signed certificate made at start: trust the file named here' : 'serving HTTPS');
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    ...controlOf(app),
    url, port, app, config,
    ...(tls ? { tls: { certificate: tls.cert, certificateFile: tls.certificateFile, names: tls.names, selfSigned: tls.selfSigned } } : {}),
    close: () => {
      closing ??= closeGracefully(app, config.shutdownGraceMs).finally(() => {
        if (tls) removeMadeCertificate(tls);
      });
      return closing;
    },
  };
}

/** The self-signed certificate for `names`, written where a client can read it; a file that cannot be written is the user's configuration. */
async function selfSigned(names: readonly string[], outFile: string | undefined): Promise<TlsMaterial> {
  try {
    return await generateSelfSigned([...names], outFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && outFile !== undefined) throw new OptionError('tlsCertOut', `cannot write the certificate to ${outFile}: ${code}`);
    throw error;
  }
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
