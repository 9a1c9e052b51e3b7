// The mock's own decorations of Fastify's types, for its own code only. This is a .d.ts file, so the
// build does not copy it into dist: the package's published types never augment a user's `fastify`.
import type { MockServices } from '../app.js';
import type { Operation } from '../cint/operations.js';
import type { RequestContext } from '../context.js';

declare module 'fastify' {
  interface FastifyInstance {
    mock: MockServices;
  }
  interface FastifyRequest {
    cint: RequestContext;
  }
  interface FastifyContextConfig {
    /** A Cint route's operation: hooks/context.ts puts it on the request's context. */
    operation?: Operation;
    /** An admin route's own error answers, by status, for its OpenAPI document (admin/document.ts). */
    errors?: Readonly<Record<number, string>>;
  }
}
