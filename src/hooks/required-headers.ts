// The headers Cint's document makes mandatory: Cint-API-Version everywhere, Idempotency-Key and
// If-Match where an operation requires them. A missing Cint-API-Version is Cint's 403
// required_header_missing; other missing or malformed ones are a 400 with invalid_params.
import type { FastifyInstance } from 'fastify';
import type { ValidateFunction } from 'ajv';
import { acceptedMediaTypes, badRequest, unsupportedMediaType, versionHeaderMissing } from '../cint/errors.js';
import { HEADER_NAMES, operations, type OperationId } from '../cint/operations.js';
import { compileTextValidator, invalidParamsFrom } from '../cint/validation.js';
import { checked } from './checked.js';

// A date: a month 01-12 and a day 01-31 (2025-13-45 is not one).
const API_VERSION = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;
// Headers whose value names something (a key, a version): sent empty, they name nothing.
const NAMING = ['idempotency-key', 'if-match'];

const mediaType = (header: string) => header.split(';')[0]!.trim().toLowerCase();

export function requiredHeaders(app: FastifyInstance): void {
  // Made once at start, per operation: its header validator and the content types its body may have.
  const validators = new Map<OperationId, ValidateFunction>();
  const bodyTypes = new Map<OperationId, readonly string[]>();
  const versionRequired = new Set<OperationId>();
  // Where every header the document names is any string, they are valid when the required ones are there:
  // checked by name, without copying the headers for the validator (which is left for telling what is wrong).
  const presenceOnly = new Map<OperationId, readonly string[]>();
  const naming = new Map<OperationId, readonly string[]>();
  for (const op of operations) {
    if ('headers' in op.schemas) {
      validators.set(op.id, compileTextValidator(op.schemas.headers));
      const schema = op.schemas.headers as { properties: Record<string, object>; required?: readonly string[] };
      const plain = Object.values(schema.properties).every((property) => Object.keys(property).length === 1 && (property as { type?: unknown }).type === 'string');
      if (plain) presenceOnly.set(op.id, schema.required ?? []);
      const named = NAMING.filter((name) => name in schema.properties);
      if (named.length) naming.set(op.id, named);
    }
    if (op.bodyContentType !== null) bodyTypes.set(op.id, acceptedMediaTypes(op.bodyContentType));
    if ((op.requiredHeaders as readonly string[]).some((name) => name.toLowerCase() === 'cint-api-version')) versionRequired.add(op.id);
  }

  app.addHook('preValidation', checked((request) => {
    const id = request.cint.operation!.id;
    // Every parser is open to every Cint route; each operation takes the one content type it documents.
    const contentType = request.headers['content-type'];
    const accepted = bodyTypes.get(id);
    if (contentType !== undefined && accepted !== undefined && !accepted.includes(mediaType(contentType))) {
      throw unsupportedMediaType(contentType, accepted);
    }
    const validate = validators.get(id);
    // The operations that document the header (all but Fulfillment's) refuse a request without it as Cint does.
    if (request.headers['cint-api-version'] === undefined && validate && versionRequired.has(id)) throw versionHeaderMissing();
    const version = request.headers['cint-api-version'];
    const required = presenceOnly.get(id);
    const named = naming.get(id);
    if (required !== undefined && allPresent(request.headers, required) && (named === undefined || noneEmpty(request.headers, named))
      && (version === undefined || (typeof version === 'string' && API_VERSION.test(version)))) return;
    // A copy: the validator may coerce what it reads.
    const params = validate && !validate({ ...request.headers })
      ? invalidParamsFrom(validate.errors ?? [], 'headers', (name) => HEADER_NAMES[name] ?? name)
      : [];
    for (const name of named ?? []) {
      if (isBlank(request.headers[name]) && !params.some((param) => param.name === HEADER_NAMES[name])) {
        params.push({ name: HEADER_NAMES[name] ?? name, reason: `'${HEADER_NAMES[name] ?? name}' must not be empty.` });
      }
    }
    if (typeof version === 'string' && !API_VERSION.test(version)) {
      params.push({ name: 'Cint-API-Version', reason: "'Cint-API-Version' must be a date in the format YYYY-MM-DD." });
    }
    if (params.length > 0) throw badRequest(params);
  }));
}

function allPresent(headers: Record<string, string | string[] | undefined>, names: readonly string[]): boolean {
  for (const name of names) if (typeof headers[name] !== 'string') return false;
  return true;
}

const isBlank = (value: string | string[] | undefined) => typeof value === 'string' && value.trim() === '';

function noneEmpty(headers: Record<string, string | string[] | undefined>, names: readonly string[]): boolean {
  for (const name of names) if (isBlank(headers[name])) return false;
  return true;
}
