// Turns everything that goes wrong, Fastify's own errors included, into Cint's envelope.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  acceptedMediaTypes, CintError, type CintErrorBody, TOKEN_PATH, asOAuthError, badRequest, contentTooLarge, envelope, internalError, methodNotAllowed, routeNotFound,
  unsupportedMediaType,
} from './errors.js';
import { RouteMethods } from './route-methods.js';
import { HEADER_NAMES } from './operations.js';
import { invalidParamsFrom, type HttpPart } from './validation.js';
import { SessionFullError } from '../sessions/store.js';
import { startContext, stampTrace } from '../hooks/context.js';
import { logUnhooked } from '../hooks/request-log.js';
import { journalUnrouted } from '../hooks/unrouted.js';
import { storeUnavailable, StoreUnavailableAnswer, StoreUnavailableError } from '../sessions/unavailable.js';

export function sendCintError(reply: FastifyReply, error: CintError): FastifyReply {
  return sendEnvelope(reply, error.status, error.body, error.headers);
}

/** Sends an envelope (or its JSON text) with its status and headers; 429 and 503 always say when to retry. */
export function sendEnvelope(reply: FastifyReply, status: number, body: CintErrorBody | string, headers: Readonly<Record<string, string>>): FastifyReply {
  return envelopeHeaders(reply, status, headers).send(body);
}

/** An envelope's status and headers on the reply, before it is sent. */
function envelopeHeaders(reply: FastifyReply, status: number, headers: Readonly<Record<string, string>>): FastifyReply {
  reply.code(status).headers(headers).type('application/json; charset=utf-8');
  if (status === 429 || status === 503) {
    if (!reply.hasHeader('retry-after')) reply.header('retry-after', '1');
  }
  return reply;
}

/**
 * A query parameter the schema takes as a list is read as one even when it came once (`?status=bogus`):
 * its problem is named as the client sent it, `status`, not `status[0]`; a repeated one keeps its index.
 */
function asSentInQuery(url: string): (name: string) => string {
  const at = url.indexOf('?');
  const sent = new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
  return (name) => {
    const match = /^([^.[\]]+)\[0\](.*)$/.exec(name);
    return match && sent.getAll(match[1]!).length <= 1 ? `${match[1]!}${match[2]!}` : name;
  };
}

/** Maps a thrown value to the CintError the client should see. */
export function toCintError(error: unknown, request: FastifyRequest, bodyLimit: number): CintError {
  if (error instanceof CintError) return error;
  if (error instanceof SessionFullError) return new CintError(409, error.message);
  if (error instanceof StoreUnavailableError) return storeUnavailable(error);
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    const part = (fastifyError.validationContext ?? 'body') as HttpPart;
    return badRequest(invalidParamsFrom(fastifyError.validation as never, part,
      part === 'headers' ? (name) => HEADER_NAMES[name] ?? name : part === 'querystring' ? asSentInQuery(request.url) : undefined));
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      // A type no parser reads: the operation's own types (a CSV, an upload), JSON for the rest.
      const documented = request.cint?.operation?.bodyContentType;
      return unsupportedMediaType(request.headers['content-type'], documented ? acceptedMediaTypes(documented) : undefined);
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // The route's own limit where it has one (a reconciliation's CSV).
      return contentTooLarge(request.routeOptions?.bodyLimit ?? bodyLimit);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest([{ name: 'body', reason: `the request body is not valid JSON: ${fastifyError.message ?? ''}`.trim() }],
        'the request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest([{ name: 'Content-Length', reason: 'the Content-Length header does not match the body' }]);
    case 'FST_ERR_NOT_FOUND':
      return routeNotFound(request.method, request.url);
    default:
      break;
  }
  if (error instanceof SyntaxError) {
    return badRequest([{ name: 'body', reason: `the request body is not valid JSON: ${error.message}` }], 'the request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new CintError(status, fastifyError.message);
  }
  return internalError();
}

/**
 * The Fulfillment operations document 422, not 400, for a request they cannot process: a request that
 * fails validation there is answered 422 with the same invalid_params.
 */
function asDocumented(error: CintError, request: FastifyRequest): CintError {
  const op = request.cint?.operation;
  if (error.status !== 400 || !op) return error;
  const statuses = op.statuses as readonly number[];
  if (statuses.includes(400) || !statuses.includes(422)) return error;
  const unprocessable = new CintError(422, error.body.detail, { ...(error.body.invalid_params ? { invalid_params: error.body.invalid_params } : {}), headers: { ...error.headers } });
  // Still a validation failure: its object says so, whatever the status.
  unprocessable.body.object = 'bad_request_error';
  return unprocessable;
}

/**
 * Answers whatever was thrown as the CintError it maps to, shaped for its route (`shape`: the Cint
 * routes' asDocumented by default; /oauth/token's adds OAuth's fields); an error of the mock's own is logged.
 * A shared store away is not one: its 503 is documented, and the store logs when it goes and comes back.
 */
export function answerError(error: unknown, request: FastifyRequest, reply: FastifyReply, bodyLimit: number,
  shape: (error: CintError, request: FastifyRequest) => CintError = asDocumented): FastifyReply {
  const cintError = toCintError(error, request, bodyLimit);
  if (cintError.status >= 500 && !(cintError instanceof StoreUnavailableAnswer)) {
    request.log.error({ request_id: request.id, err: error, error_id: cintError.body.id }, 'unexpected error inside the mock');
  }
  return sendCintError(reply, shape(cintError, request));
}

/** Returns the server's paths and their methods, noted as routes are registered (a scripted 405's Allow). */
export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): RouteMethods {
  app.setErrorHandler((error, request, reply) => answerError(error, request, reply, bodyLimit));
  // A path the server has, with a method it does not take there, is a 405 naming the methods it does
  // take (decision 37): a 404 would tell a client using the wrong method that the resource is gone. A
  // path it does not have is a 404 that names the path meant, when one is near (decision 183).
  const routes = new RouteMethods();
  routes.watch(app);
  app.setNotFoundHandler((request, reply) => {
    const allow = routes.allowed(request.method, request.url);
    const meant = allow === null ? routes.nearest(request.url) : null;
    const error = allow === null ? routeNotFound(request.method, request.url, meant) : methodNotAllowed(request.method, request.url, allow);
    // The token endpoint's errors carry OAuth's fields, a method it does not take included (decision 18).
    if (allow !== null && (request.url.split('?')[0] ?? '') === TOKEN_PATH) asOAuthError(error);
    return answerUnrouted(app, request, reply, error, meant);
  });
  return routes;
}

/**
 * Sends the answer to a request no route takes, after putting it in its client's journal (hooks/unrouted.ts:
 * `meant`, the path it was near). Serialized once and its headers set first, trace headers included (a
 * framework error's answer gets them nowhere else), so the journal keeps the answer as sent; `sent` is
 * called once it has gone out.
 */
function answerUnrouted(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, error: CintError, meant: string | null,
  sent?: (reply: FastifyReply) => void): FastifyReply | Promise<FastifyReply> {
  const text = JSON.stringify(error.body);
  envelopeHeaders(reply, error.status, error.headers);
  stampTrace(request, reply);
  const send = () => {
    const answered = reply.send(text);
    sent?.(answered);
    return answered;
  };
  const journaled = journalUnrouted(app, request, reply, error, text, meant);
  return journaled === undefined ? send() : journaled.then(send);
}

/** The longest path segment a route takes: a session's name (128 characters, a client id's too), percent-encoded, fits. */
export const MAX_PARAM_LENGTH = 1024;

/**
 * Errors Fastify meets before a request has a route (a path that is not valid percent-encoding, a
 * segment too long): answered in the envelope like every other error, and journaled as a request no
 * route takes is, in its client's session when the path is the Cint API's (decision 189). No hook runs
 * for it, so its context starts here.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const cintError = error.code === 'FST_ERR_BAD_URL'
    ? badRequest([{ name: 'path', reason: `the path is not valid percent-encoding: ${request.url.split('?')[0]}` }], 'the request URL is malformed')
    : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new CintError(414, `a segment of the path is longer than the ${MAX_PARAM_LENGTH} characters the server accepts`)
      : new CintError(typeof error.statusCode === 'number' ? error.statusCode : 400, error.message);
  if (!request.cint) startContext(request, null);
  // Fastify's onSend hooks do not run for these answers (answerUnrouted puts the trace headers on), nor
  // do its onResponse hooks: its log line is written once it is answered.
  void answerUnrouted(request.server, request, reply, cintError, null, (answered) => logUnhooked(request, answered));
}

/**
 * Requests Node's HTTP parser rejects (garbage, headers too large, too slow) never reach Fastify's
 * hooks: the raw answer is still Cint's envelope. Requests that came before the bad bytes on the same
 * connection (pipelined) get their own answers first.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  rawAnswer(socket, status, status === 400 ? 'the request is not valid HTTP' : undefined);
}

/**
 * Writes an envelope straight to a socket and closes it, after the answers to the requests received
 * whole before it: the one being written on it (`_httpMessage`, Node's response in progress on this
 * socket) and those queued behind that one, which Node hands the socket to one by one as each finishes.
 */
export function rawAnswer(socket: Socket, status: number, detail?: string, headers: Record<string, string> = {}, looks = 0): void {
  const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  // Only a request received whole is waited for: one cut off mid-body (a timeout) is the one refused.
  if (inProgress && inProgress.req?.complete && !socket.destroyed) {
    if (!inProgress.writableFinished) {
      inProgress.once('finish', () => setImmediate(() => rawAnswer(socket, status, detail, headers)));
      inProgress.once('close', () => setImmediate(() => { if (!socket.destroyed) rawAnswer(socket, status, detail, headers); }));
      return;
    }
    // Written, but Node gives the socket to the next answer in line only once it has said so ('finish'):
    // look again then, a bounded number of times.
    if (looks < 100) {
      setImmediate(() => rawAnswer(socket, status, detail, headers, looks + 1));
      return;
    }
  }
  if (socket.destroyed) return;
  const body = JSON.stringify(envelope(status, detail));
  if (socket.writable) {
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      + `Content-Type: application/json; charset=utf-8\r\n${extra}Connection: close\r\n\r\n${body}`);
  }
  // Closed once written: destroying at once could drop the answer still in the socket's buffer.
  socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}

export { envelope };
