// The mock's own decorations of Fastify's types, for its own code only. This is a .d.ts file, so the
// build does not copy it into dist: the package's published types never augment a user's `fastify`.
import type { MockServices } from '../app.js';
import type { Operation, OperationId } from '../cint/operations.js';
import type { RequestContext } from '../context.js';

declare module 'fastify' {
  interface FastifyInstance {
    mock: MockServices;
  }
  interface FastifyRequest {
    cint: RequestContext;
  }
  interface FastifyContextConfig {
    operationId?: OperationId;
    /** The operation itself, so a request's hooks read its table entry without looking it up by id. */
    operation?: Operation;
  }
}
