// Request bodies are read as sent: a body in a content coding (gzip, deflate, br) is refused with 415 and
// `Accept-Encoding: identity` (RFC 9110, 12.5.3), rather than read as JSON it is not (a misleading 400)
// or, labelled gzip but sent plain, taken. Cint's pages are silent on compressed request bodies (decision 182).
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { unsupportedContentEncoding } from '../cint/errors.js';

/** Methods whose requests carry a body; the check is added to their routes only, so a GET pays nothing. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a route of these methods takes a body, and so refuses one in a content coding (admin/document.ts documents its 415). */
export const takesBody = (method: string | readonly string[]): boolean =>
  (typeof method === 'string' ? [method] : method).some((one) => WITH_BODY.has(one));

export function refuseContentCodings(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!takesBody(route.method)) return;
    const own = route.preParsing;
    route.preParsing = own === undefined ? [checkCoding] : [checkCoding, ...(Array.isArray(own) ? own : [own])];
  });
}

function checkCoding(request: FastifyRequest, _reply: FastifyReply, _payload: unknown, done: HookHandlerDoneFunction): void {
  const coding = request.headers['content-encoding'];
  if (coding === undefined || !hasBody(request)) {
    done();
    return;
  }
  const codings = coding.split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== '' && part !== 'identity');
  if (codings.length === 0) {
    done();
    return;
  }
  done(unsupportedContentEncoding(coding));
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
