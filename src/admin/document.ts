// The admin API's OpenAPI document names each route's error answers beside its success: every one is
// Cint's envelope, with the `object` its status gives. Added to the document only (@fastify/swagger's
// transform), so no route serializes its errors through a schema: they go out as the error handler makes
// them. The statuses every route of a kind can answer are worked out here; a route adds its own in its
// config (`errors`).
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifySchema, RouteOptions } from 'fastify';
import { errorDefaults } from '../cint/errors.js';
import { takesBody } from '../hooks/content-encoding.js';
import { adminRoute, clientAccess } from './token.js';

/** What the document says of the instance: whether the admin token guards the routes, and whether sessions live in Redis. */
export interface DocumentedInstance {
  adminToken: boolean;
  shared: boolean;
}

/** The envelope of one status: its `object` fixed, as the server sends it. */
function envelopeOf(status: number, description: string): TSchema {
  return Type.Object({
    id: Type.String({ format: 'uuid', description: 'a fresh id for this answer' }),
    object: Type.Literal(errorDefaults(status).object),
    detail: Type.String({ description: 'what went wrong, for a person' }),
    invalid_params: Type.Optional(Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }), { description: 'each part of the request that is not valid' })),
  }, { description });
}

/**
 * The error answers of a route: 400 when it reads a path, query or body, 401 and 403 behind the admin
 * token (but on an open route), 413 and 415 for a method that takes a body, 503 with a Redis store (it
 * does not answer), and the route's own (`config.errors`).
 */
export function errorsOf(route: Pick<RouteOptions, 'method' | 'url' | 'config'>, schema: FastifySchema, instance: DocumentedInstance): Record<number, string> {
  const errors: Record<number, string> = {};
  if (schema.params || schema.querystring || schema.body) errors[400] = 'A path parameter, query parameter or the body is not valid: invalid_params names each.';
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  // A route whose schema asks no security (health) is open: the token refuses nothing there.
  const open = schema.security?.length === 0;
  if (instance.adminToken && !open) {
    errors[401] = 'No admin token, or a token that is neither the admin token nor a client\'s.';
    // A client's token reads its sessions' list and the scenarios as the admin token does.
    const path = adminRoute(route.url);
    const access = methods.map((method) => clientAccess(method, path));
    if (access.includes('own')) errors[403] = 'A client\'s token with another client\'s client_id: a client\'s token reaches its own sessions only.';
    else if (access.includes('admin')) errors[403] = 'A client\'s token: this route needs the admin token.';
  }
  if (takesBody(route.method)) {
    errors[413] = 'The body is larger than the server accepts.';
    errors[415] = 'The body is not JSON (Content-Type), or is in a content coding (Content-Encoding).';
  }
  if (instance.shared) errors[503] = 'The session store (Redis or Valkey) does not answer; retry after Retry-After.';
  // The route's own, which say more than the general ones where they share a status.
  Object.assign(errors, route.config?.errors ?? {});
  return errors;
}

/** @fastify/swagger's transform: each route's schema with its error answers added to its responses. */
export function documentErrors(instance: DocumentedInstance) {
  return ({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): { schema: FastifySchema; url: string } => {
    if (!schema || (schema as { hide?: boolean }).hide) return { schema, url };
    const responses: Record<string, unknown> = { ...(schema.response as Record<string, unknown> | undefined) };
    for (const [status, description] of Object.entries(errorsOf(route, schema, instance))) {
      responses[status] ??= envelopeOf(Number(status), description);
    }
    return { schema: { ...schema, response: responses }, url };
  };
}
