// Hooks that check a request and either pass it on or refuse it by throwing (a CintError), written as
// plain functions and run as Fastify's callback-style hooks: no promise per hook per request.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

export function checked(check: (request: FastifyRequest, reply: FastifyReply) => void) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    try {
      check(request, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  };
}
