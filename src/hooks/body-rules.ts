// Rules of a body beyond its schema (a webhook's url, an allocation's shares), told in the same 400 as
// whatever else of the body fails its schema, one entry per field: a client mends everything at once,
// not the schema's problems first and the rules' only once they are mended.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ValidateFunction } from 'ajv';
import { badRequest, type InvalidParam } from '../cint/errors.js';
import type { Operation } from '../cint/operations.js';
import { invalidParamsFrom, validatorCompiler } from '../cint/validation.js';

export type BodyRules = (body: Record<string, unknown>) => InvalidParam[];

/**
 * A route-level preValidation hook that checks an object body by `rules`: a body that keeps them goes on
 * to be validated as any other; one that breaks them is a 400 naming each field the rules name, with the
 * schema's problems of the other fields beside them (the body's validator compiled at the first refusal).
 */
export function bodyRulesHook(op: Operation, rules: BodyRules): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  const schema = (op.schemas as { body?: object }).body;
  let validate: ValidateFunction | undefined;
  return (request, _reply, done) => {
    const body = request.body;
    const problems = body !== null && typeof body === 'object' && !Array.isArray(body) ? rules(body as Record<string, unknown>) : [];
    if (!problems.length) {
      done();
      return;
    }
    validate ??= schema ? validatorCompiler({ schema, httpPart: 'body', method: op.method, url: op.path }) as ValidateFunction : undefined;
    const named = new Set(problems.map((problem) => problem.name));
    const others = validate && !validate(body) ? invalidParamsFrom(validate.errors ?? [], 'body').filter((param) => !named.has(param.name)) : [];
    done(badRequest([...problems, ...others]));
  };
}
