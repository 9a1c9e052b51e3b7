// Request validation against the schemas taken from Cint's document, and the mapping of validation
// failures to Cint's invalid_params: one entry per failing field, named as the client sent it.
import { Ajv, type ErrorObject, type FuncKeywordDefinition, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { discriminateUnions } from './discriminated-unions.js';
import type { InvalidParam } from './errors.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsImport as unknown as typeof addFormatsImport.default;

/**
 * Strings Cint says it trims (a project's name: "Any leading or trailing whitespace will be trimmed")
 * carry `x-trim` in their schema, put there by scripts/extract-spec.mjs from the document's words. The
 * value is trimmed where it lies before its length and pattern are checked: the keyword has no type, so
 * ajv runs it before the string keywords, and `modifying` makes ajv read the trimmed value back. Only
 * the schemas that carry it pay for it.
 */
const TRIM_KEYWORD: FuncKeywordDefinition = {
  keyword: 'x-trim',
  schemaType: 'boolean',
  modifying: true,
  errors: false,
  validate: (trim: boolean, data: unknown, _schema, context) => {
    if (trim && typeof data === 'string' && context?.parentData !== undefined) {
      (context.parentData as Record<string | number, unknown>)[context.parentDataProperty] = data.trim();
    }
    return true;
  },
};

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes,
    useDefaults: true,
    strict: false,
    // The schemas come from scripts/extract-spec.mjs, which compiles every one of them when it generates
    // them; checking each against JSON Schema's meta-schema again cost about 60 ms at the first request.
    validateSchema: false,
    // Cint's rates have multipleOf 0.01; without a precision 0.07 would not be a multiple of 0.01.
    multipleOfPrecision: 9,
  });
  addFormats(ajv);
  ajv.addKeyword(TRIM_KEYWORD);
  return ajv;
}

// Made on first use, like the validators: each costs about 10 ms, which start-up need not pay.
let bodyAjvMade: Ajv | undefined;
let textAjvMade: Ajv | undefined;
// A JSON body is taken as sent: a number where a string belongs is an error, not coerced.
const bodyAjv = (): Ajv => (bodyAjvMade ??= makeAjv(false));
// Path, query and headers arrive as strings and are read as the schema's types.
const textAjv = (): Ajv => (textAjvMade ??= makeAjv('array'));

/**
 * Each schema with its unions told apart by a discriminator rewritten to check only the branch the value
 * names (src/cint/discriminated-unions.ts), once: ajv keeps what it compiled by the schema object, so
 * every app built in a process compiles a schema once only if it is handed the same object each time.
 */
const rewrittenSchemas = new WeakMap<object, object>();
function forValidation(schema: object): object {
  let rewritten = rewrittenSchemas.get(schema);
  if (!rewritten) {
    rewritten = discriminateUnions(schema) as object;
    rewrittenSchemas.set(schema, rewritten);
  }
  return rewritten;
}

/**
 * A validator compiled on its first use: 158 operations have some 400 request schemas, and compiling
 * them all at start took most of a second and a half; a suite touches a few dozen.
 */
function lazyValidator(ajv: () => Ajv, schema: object): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv().compile(forValidation(schema));
    if (compiled(data)) return true;
    validate.errors = compiled.errors;
    return false;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  lazyValidator(httpPart === 'body' ? bodyAjv : textAjv, schema as object);

export function compileTextValidator(schema: object): ValidateFunction {
  return lazyValidator(textAjv, schema);
}

export type HttpPart = 'body' | 'params' | 'querystring' | 'headers';

/** The field an ajv error is about: `fielding_specification.start_at`, `allocations[0].id`. */
function fieldName(error: ErrorObject, part: HttpPart, rename: (name: string) => string): string {
  const segments = error.instancePath.split('/').slice(1).map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  let name = '';
  for (const segment of segments) name += /^\d+$/.test(segment) ? `[${segment}]` : name ? `.${segment}` : segment;
  if (!name) return part === 'body' ? 'body' : part;
  return rename(name);
}

function reasonFor(error: ErrorObject, name: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': return `'${name}' is required.`;
    case 'type': return `'${name}' must be of type ${String(params.type).replace(',', ' or ')}.`;
    case 'minLength': return Number(params.limit) === 1 ? `'${name}' must not be empty.` : `'${name}' must be at least ${String(params.limit)} characters long.`;
    case 'maxLength': return `'${name}' must be at most ${String(params.limit)} characters long.`;
    case 'pattern': return `'${name}' must match the pattern ${String(params.pattern)}.`;
    case 'format': return `'${name}' must be a valid ${String(params.format)}.`;
    case 'enum': return `'${name}' must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}.`;
    case 'const': return `'${name}' must be ${JSON.stringify(params.allowedValue)}.`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `'${name}' must be ${String(params.comparison)} ${String(params.limit)}.`;
    case 'multipleOf': return `'${name}' must be a multiple of ${String(params.multipleOf)}.`;
    case 'minItems': return `'${name}' must have at least ${String(params.limit)} items.`;
    case 'maxItems': return `'${name}' must have at most ${String(params.limit)} items.`;
    case 'additionalProperties': return `'${String(params.additionalProperty)}' is not a known field of '${name}'.`;
    case 'anyOf': case 'oneOf': return `'${name}' does not match any of the allowed shapes.`;
    default: return `'${name}' ${error.message ?? 'is invalid'}.`;
  }
}

/**
 * Turns ajv's errors into invalid_params. Union branches produce several errors per field; the first
 * specific one is kept (a "must be null" from a nullable union says nothing useful).
 */
export function invalidParamsFrom(errors: readonly ErrorObject[], part: HttpPart, rename: (name: string) => string = (name) => name): InvalidParam[] {
  const byName = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    // "must match the then schema": the chain a discriminated union became says which branch failed,
    // and that branch's own errors say how.
    if (error.keyword === 'if') continue;
    const name = fieldName(error, part, rename);
    const list = byName.get(name) ?? [];
    list.push(error);
    byName.set(name, list);
  }
  const result: InvalidParam[] = [];
  for (const [name, list] of byName) {
    const specific = list.filter((error) => error.keyword !== 'anyOf' && error.keyword !== 'oneOf'
      && !(error.keyword === 'type' && (error.params as { type?: string }).type === 'null'));
    // A union of literals fails once per literal: say every allowed value, not just the first.
    const allowed = specific.length > 1 && specific.every((error) => error.keyword === 'const')
      ? specific.map((error) => String((error.params as { allowedValue?: unknown }).allowedValue))
      : null;
    // A union of types fails once per type (string, object): say each, not just the first.
    const types = specific.length > 1 && specific.every((error) => error.keyword === 'type')
      ? [...new Set(specific.map((error) => String((error.params as { type?: unknown }).type)))]
      : null;
    const reason = allowed ? `'${name}' must be one of: ${allowed.join(', ')}.`
      : types && types.length > 1 ? `'${name}' must be of type ${types.slice(0, -1).join(', ')} or ${types.at(-1)!}.`
        : reasonFor(specific[0] ?? list[0]!, name);
    result.push({ name, reason });
  }
  // A field reported for a branch of a union may also appear under a child path; keep the list stable.
  return result;
}
