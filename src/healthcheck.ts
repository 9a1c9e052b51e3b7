// The image's HEALTHCHECK: exit 0 when GET /__admin/health on this container's own port answers 200,
// over HTTP, or over HTTPS when the server was given a certificate (flags, environment or a config
// file: it tries HTTP first, then HTTPS). It checks that the server is up on its loopback address,
// not who it is, so it does not verify the certificate; clients do.
//   node dist/src/healthcheck.js
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';

const port = Number(process.env.PORT || 8080);
const target = { host: '127.0.0.1', port, path: '/__admin/health', timeout: 2000 };

function check(send: typeof httpGet, options: object): Promise<boolean> {
  return new Promise((resolve) => {
    const request = send({ ...target, ...options }, (response: IncomingMessage) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

const healthy = (await check(httpGet, {})) || (await check(httpsGet as typeof httpGet, { rejectUnauthorized: false }));
process.exit(healthy ? 0 : 1);
