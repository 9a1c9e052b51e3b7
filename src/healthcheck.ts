// The image's HEALTHCHECK: exit 0 when GET /__admin/health answers 200 where the server listens.
// The server writes its ready line to the file CINT_MOCK_LISTENING_FILE names (the image sets it) when
// it listens, so the check finds the port and scheme it was given by --port, PORT or a config file's
// port, and --tls-* or their variables. Without that file (an older server, or none written yet) it
// asks PORT (8080 when unset) on the loopback address, over HTTP first, then HTTPS. It checks that the
// server is up, not who it is, so it does not verify the certificate; clients do.
//   node dist/src/healthcheck.js
import { readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage, type RequestOptions } from 'node:http';
import { get as httpsGet } from 'node:https';

const PATH = '/__admin/health';

function check(send: typeof httpGet, target: { host: string; port: number }): Promise<boolean> {
  // rejectUnauthorized is https's (the certificate is not verified); http ignores it.
  const options: RequestOptions & { rejectUnauthorized: boolean } = { ...target, path: PATH, timeout: 2000, rejectUnauthorized: false };
  return new Promise((resolve) => {
    const request = send(options, (response: IncomingMessage) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** The URL of the server's ready line, from the file it wrote at listen; undefined when there is none to read. */
function listeningUrl(): URL | undefined {
  const file = process.env.CINT_MOCK_LISTENING_FILE;
  if (!file) return undefined;
  try {
    return new URL((JSON.parse(readFileSync(file, 'utf8')) as { url: string }).url);
  } catch {
    return undefined;
  }
}

async function healthy(): Promise<boolean> {
  const url = listeningUrl();
  if (url) {
    const target = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
    return check(url.protocol === 'https:' ? (httpsGet as typeof httpGet) : httpGet, target);
  }
  const target = { host: '127.0.0.1', port: Number(process.env.PORT || 8080) };
  return (await check(httpGet, target)) || (await check(httpsGet as typeof httpGet, target));
}

process.exit((await healthy()) ? 0 : 1);
