#!/usr/bin/env node
// Mirrors Cint's published OpenAPI document into code, for all of its operations: the TypeBox request
// schemas and the operation table the mock registers its routes from (src/cint/spec.generated.ts); the
// response schemas, documented headers and schema-fitting examples the mock answers from and the tests
// check against (src/cint/responses.generated.ts); and client types for the tests' generated client.
// Run with `npm run spec`; `npm run spec -- --check` fails when a committed file differs from what the
// document gives.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specPath = process.env.CINT_SPEC ?? join(root, '..', 'shared', 'cint-demand-openapi.yml');
const check = process.argv.includes('--check');


// Formats ajv-formats knows; Cint's own (ulid, etag, float, int) carry no extra rule that their
// pattern or type does not already state, so they are dropped rather than made up; int32 becomes bounds.
const KEPT_FORMATS = new Set(['date-time', 'date', 'uuid', 'uri', 'uri-reference', 'duration', 'email']);
const KEPT_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'default'];

const doc = existsSync(specPath) ? parse(readFileSync(specPath, 'utf8')) : null;
if (!doc) {
  console.error(`extract-spec: ${specPath} not found (set CINT_SPEC to Cint's OpenAPI document)`);
  process.exit(check ? 0 : 1);
}

const lookup = (ref) => ref.slice(2).split('/').reduce((node, key) => node[key], doc);
const refName = (ref) => ref.split('/').at(-1);

/** OpenAPI 3.0 schema -> plain JSON Schema with $ref kept as component names. */
function normalize(schema) {
  if (schema === undefined || schema === null) return {};
  if (schema.$ref) return { $ref: refName(schema.$ref) };
  let out = {};
  // `allOf: [X, {nullable: true}]` is Cint's way of saying "X or null".
  const nullable = schema.nullable === true || (schema.allOf ?? []).some(isOnlyNullable);
  if (schema.allOf) {
    const parts = schema.allOf.filter((part) => !isOnlyNullable(part)).map(normalize)
      .filter((part) => Object.keys(part).length > 0);
    if (parts.length === 1) out = { ...parts[0] };
    else out = mergeObjects(parts);
  } else if (schema.oneOf || schema.anyOf) {
    out.anyOf = (schema.oneOf ?? schema.anyOf).map(normalize);
  } else if (schema.type === 'object' || schema.properties || (schema.required && schema.type === undefined)) {
    // A part of an allOf may only name required fields of the others' (ProfileTemplateRequest's last).
    out.type = 'object';
    out.properties = Object.fromEntries(Object.entries(schema.properties ?? {})
      .map(([key, value]) => [key, normalize(value)]));
    if (schema.required?.length) out.required = [...schema.required];
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
      out.additionalProperties = schema.additionalProperties === false ? false : normalize(schema.additionalProperties);
    }
  } else if (schema.type === 'array') {
    out.type = 'array';
    out.items = normalize(schema.items);
  } else if (schema.enum) {
    out.enum = [...schema.enum];
  } else if (schema.type) {
    out.type = schema.type;
  }
  if (schema.enum && out.type !== undefined && out.type !== 'object') { out.enum = [...schema.enum]; }
  if (schema.type && schema.enum) out.type = schema.type;
  // An enum's null under a type that refuses null is no value at all (ReportGenerationRequest's filter):
  // left in, a refusal would offer it ("must be one of: …, null"). Null is allowed by `nullable` only.
  if (out.enum && out.type !== undefined && out.type !== 'null') out.enum = out.enum.filter((value) => value !== null);
  for (const key of KEPT_KEYWORDS) {
    if (schema[key] !== undefined && typeof schema[key] !== 'boolean') out = attach(out, key, schema[key]);
  }
  // OpenAPI 3.0's boolean exclusiveMinimum/Maximum turn the plain bound exclusive (JSON Schema's form).
  if (schema.exclusiveMinimum === true && schema.minimum !== undefined) {
    const { minimum, ...rest } = out;
    out = { ...rest, exclusiveMinimum: minimum };
  }
  if (schema.exclusiveMaximum === true && schema.maximum !== undefined) {
    const { maximum, ...rest } = out;
    out = { ...rest, exclusiveMaximum: maximum };
  }
  if (schema.format && KEPT_FORMATS.has(schema.format)) out = attach(out, 'format', schema.format);
  // int32 is a real bound: account_id 99999999999999999999 is not an account.
  if (schema.type === 'integer' && schema.format === 'int32') {
    if (schema.minimum === undefined) out = attach(out, 'minimum', -2147483648);
    if (schema.maximum === undefined) out = attach(out, 'maximum', 2147483647);
  }
  if (TRIMMED.test(schema.description ?? '') && isString(out)) out = attach(out, TRIM_KEYWORD, true);
  if (nullable) out = { anyOf: [out, { type: 'null' }] };
  return out;
}

// The document says of some strings that leading and trailing whitespace is trimmed ("The name of the
// project. Any leading or trailing whitespace will be trimmed."). Its words become the keyword `x-trim`
// on the string's schema, and the request validator trims the value before checking its length and
// pattern (src/cint/validation.ts): the decision is made here, once, and only those schemas pay for it.
const TRIMMED = /\b(leading|trailing)\b[^.]*\bwhitespace\b[^.]*\b(trimmed|removed|stripped)\b/i;
const TRIM_KEYWORD = 'x-trim';
const isString = (node) => node.type === 'string' || (node.$ref !== undefined && normalizeComponent(node.$ref)?.type === 'string');

/**
 * A body schema with every string in it marked trimmed: an operation's description that says so
 * ("Leading and trailing whitespace will be removed") speaks of the strings its body carries. The
 * components it reaches are inlined, so their other users are not marked.
 */
function trimmedStrings(node, depth = 0) {
  if (!node || typeof node !== 'object' || depth > 30) return node;
  if (node.$ref) return trimmedStrings(normalizeComponent(node.$ref), depth + 1);
  if (node.type === 'string') return { ...node, [TRIM_KEYWORD]: true };
  const out = { ...node };
  if (node.properties) out.properties = Object.fromEntries(Object.entries(node.properties).map(([key, value]) => [key, trimmedStrings(value, depth + 1)]));
  if (node.items) out.items = trimmedStrings(node.items, depth + 1);
  for (const key of ['anyOf', 'allOf']) if (node[key]) out[key] = node[key].map((part) => trimmedStrings(part, depth + 1));
  return out;
}

/** Where `node` marks strings trimmed, as field paths (`name`, `respondent_unique_codes[]`). */
function trimmedFields(node, path = '', depth = 0, found = new Set()) {
  if (!node || typeof node !== 'object' || depth > 30) return found;
  if (node.$ref) return trimmedFields(normalizeComponent(node.$ref), path, depth + 1, found);
  if (node[TRIM_KEYWORD]) found.add(path);
  for (const [key, value] of Object.entries(node.properties ?? {})) trimmedFields(value, path ? `${path}.${key}` : key, depth + 1, found);
  if (node.items) trimmedFields(node.items, `${path}[]`, depth + 1, found);
  for (const part of [...(node.anyOf ?? []), ...(node.allOf ?? [])]) trimmedFields(part, path, depth + 1, found);
  return found;
}

function isOnlyNullable(part) {
  const keys = Object.keys(part).filter((key) => !['description', 'example'].includes(key));
  return keys.length === 1 && keys[0] === 'nullable';
}

// A keyword beside a $ref applies to the referenced value: inline it there.
function attach(node, key, value) {
  if (node.$ref) return { ...normalizeComponent(node.$ref), [key]: value };
  return { ...node, [key]: value };
}

function mergeObjects(parts) {
  const resolved = parts.map((part) => (part.$ref ? normalizedComponents.get(part.$ref) ?? normalizeComponent(part.$ref) : part));
  if (!resolved.every((part) => part.type === 'object')) return { allOf: parts };
  return {
    type: 'object',
    properties: Object.assign({}, ...resolved.map((part) => part.properties)),
    ...(resolved.some((part) => part.required) ? { required: [...new Set(resolved.flatMap((part) => part.required ?? []))] } : {}),
  };
}

const normalizedComponents = new Map();
function normalizeComponent(name) {
  if (!normalizedComponents.has(name)) {
    normalizedComponents.set(name, null);
    normalizedComponents.set(name, withTargetName(name, normalize(doc.components.schemas[name])));
  }
  return normalizedComponents.get(name);
}

// A request's target names itself only in its quota, whose `name` is "deprecated, functionally replaced by
// the `target.name` field one layer up in the contract". That field is in every response's targets and in
// the template and feasibility requests' targets, and the document's own request examples send it
// (create_target_group's, validate_profiles'), but these request schemas leave it out, so it was dropped
// with every field a schema does not have. The document's words are its schema: a target whose quota's
// name says so gets `name` (a string), and so does every target of the same `targets` union (the one
// without a quota too).
const REPLACED_BY_TARGET_NAME = /replaced by the `target\.name`\s+field one layer up/;
const resolved = (node) => (node?.$ref ? lookup(node.$ref) : node);
const namesTargetOneLayerUp = (target) =>
  REPLACED_BY_TARGET_NAME.test(resolved(resolved(resolved(target)?.properties?.quota)?.properties?.name)?.description ?? '');
let targetComponents;
function withTargetName(name, schema) {
  targetComponents ??= new Set(Object.entries(doc.components.schemas).flatMap(([component, node]) => {
    const items = (node.oneOf ?? node.anyOf ?? []).map((branch) => resolved(branch).items).filter(Boolean);
    const targets = items.some(namesTargetOneLayerUp) ? items.filter((item) => item.$ref).map((item) => refName(item.$ref)) : [];
    return namesTargetOneLayerUp(node) ? [component, ...targets] : targets;
  }));
  if (!targetComponents.has(name) || schema.type !== 'object' || schema.properties.name) return schema;
  return { ...schema, properties: { name: { type: 'string' }, ...schema.properties } };
}

/** A copy of `node` with every `{$ref}` replaced by what `replace` makes of the component name. */
function mapRefs(node, replace) {
  if (Array.isArray(node)) return node.map((item) => mapRefs(item, replace));
  if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') return replace(node.$ref);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapRefs(value, replace)]));
  }
  return node;
}

function refsOf(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((item) => refsOf(item, found));
  else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') found.add(node.$ref);
    Object.values(node).forEach((value) => refsOf(value, found));
  }
  return found;
}

/** Every component reachable from `roots`, dependencies first. */
function componentOrder(roots) {
  const order = [];
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of refsOf(normalizeComponent(name))) visit(dep);
    order.push(name);
  };
  for (const root of roots) for (const name of refsOf(root)) visit(name);
  return order;
}


// ---- TypeBox emitter -------------------------------------------------------------------------
const lit = (value) => JSON.stringify(value);
function options(node, keys) {
  const picked = Object.fromEntries(keys.filter((key) => node[key] !== undefined).map((key) => [key, node[key]]));
  return Object.keys(picked).length ? `, ${lit(picked)}` : '';
}
const STRING_KEYS = ['minLength', 'maxLength', 'pattern', 'format', 'default'];
const NUMBER_KEYS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'default'];
const ARRAY_KEYS = ['minItems', 'maxItems', 'uniqueItems', 'default'];

/** A component's name as a TypeScript identifier (Cint's names include a few like `schemas-TargetGroupStatus`). */
const ident = (name) => name.replace(/[^A-Za-z0-9_$]/g, '_');

function emit(node, depth = 1) {
  const pad = '  '.repeat(depth);
  if (node.$ref) return ident(node.$ref);
  if (node.allOf) {
    const extra = Object.fromEntries(Object.entries(node).filter(([key]) => key !== 'allOf'));
    const parts = node.allOf.map((part) => emit(part, depth));
    if (parts.length === 1 && Object.keys(extra).length) return `Type.Intersect([${parts[0]}, Type.Unsafe(${lit(extra)})])`;
    return `Type.Intersect([${parts.join(', ')}])`;
  }
  if (node.anyOf) return `Type.Union([${node.anyOf.map((part) => emit(part, depth)).join(', ')}]${options(node, ['default'])})`;
  if (node.enum) {
    const literals = node.enum.map((value) => (value === null ? 'Type.Null()' : `Type.Literal(${lit(value)})`));
    return literals.length === 1 ? literals[0] : `Type.Union([${literals.join(', ')}]${options(node, ['default'])})`;
  }
  switch (node.type) {
    case 'object': {
      const required = new Set(node.required ?? []);
      const entries = Object.entries(node.properties ?? {});
      const extra = node.additionalProperties === undefined ? ''
        : `, { additionalProperties: ${node.additionalProperties === false ? 'false' : emit(node.additionalProperties, depth + 1)} }`;
      if (entries.length === 0) return `Type.Object({}${extra})`;
      const body = entries.map(([key, value]) => {
        const inner = emit(value, depth + 1);
        return `${pad}  ${/^[a-z_][a-z0-9_]*$/i.test(key) ? key : lit(key)}: ${required.has(key) ? inner : `Type.Optional(${inner})`},`;
      });
      return `Type.Object({\n${body.join('\n')}\n${pad}}${extra})`;
    }
    case 'array': return `Type.Array(${emit(node.items ?? {}, depth)}${options(node, ARRAY_KEYS)})`;
    case 'string': return `Type.String(${options(node, STRING_KEYS).slice(2)})`;
    case 'integer': return `Type.Integer(${options(node, NUMBER_KEYS).slice(2)})`;
    case 'number': return `Type.Number(${options(node, NUMBER_KEYS).slice(2)})`;
    case 'boolean': return `Type.Boolean(${options(node, ['default']).slice(2)})`;
    case 'null': return 'Type.Null()';
    default: return 'Type.Unknown()';
  }
}

// ---- Operations ------------------------------------------------------------------------------
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const deref = (node) => (node?.$ref ? lookup(node.$ref) : node);
// A parameter's $ref with fields beside it (share_report's `$ref: ReportTypeQuery` with `required: true`):
// OpenAPI 3.0 would ignore them, but they say what the document means, so they win over the reference's.
const derefParameter = ({ $ref, ...beside }) => ($ref ? { ...lookup($ref), ...beside } : beside);
// Headers the body parser or the authentication step checks: Content-Type picks the parser (a 415 when
// it is wrong) and Authorization is the token; neither is validated again as a header parameter.
const PARSER_HEADERS = new Set(['content-type', 'authorization']);

const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of METHODS) {
    const op = item[method];
    if (!op) continue;
    // An operation's own parameter replaces the path item's of the same name and place (OpenAPI 3.0).
    const byPlace = new Map([...(item.parameters ?? []), ...(op.parameters ?? [])].map(derefParameter).map((param) => [`${param.in} ${param.name.toLowerCase()}`, param]));
    const parameters = [...byPlace.values()];
    const requestBody = deref(op.requestBody);
    const [bodyContentType, bodyContent] = Object.entries(requestBody?.content ?? {})[0] ?? [null, null];
    const jsonBody = bodyContentType === 'application/json' ? bodyContent.schema : undefined;
    const responses = Object.entries(op.responses).map(([status, response]) => {
      const resolved = deref(response);
      const content = resolved.content?.['application/json'];
      const headers = Object.entries(resolved.headers ?? {}).map(([name, header]) => ({ name: name.toLowerCase(), required: deref(header).required === true }));
      const example = content?.example ?? Object.values(content?.examples ?? {}).map(deref)[0]?.value;
      return {
        status: Number(status), raw: content?.schema, schema: content?.schema ? normalize(content.schema) : undefined,
        schemaName: content?.schema?.$ref ? refName(content.schema.$ref) : null, headers, example,
      };
    });
    const header = (name) => parameters.find((param) => param.in === 'header' && param.name.toLowerCase() === name);
    const need = (name) => { const found = header(name); return found ? (found.required ? 'required' : 'optional') : null; };
    operations.push({
      id: op.operationId, method: method.toUpperCase(), specPath: path,
      // The Fulfillment operations live on Cint's S2S host without /v1; everything else is under /v1.
      path: `${op.servers ?? item.servers ? '' : '/v1'}${path.replace(/\{([^}]+)\}/g, ':$1')}`,
      tag: op.tags?.[0] ?? '',
      summary: op.summary ?? '',
      security: op.security && op.security.length === 0 ? 'api-key' : 'bearer',
      parameters: parameters.filter((param) => !(param.in === 'header' && PARSER_HEADERS.has(param.name.toLowerCase()))),
      bodySchema: jsonBody ? (TRIMMED.test(op.description ?? '') ? trimmedStrings(normalize(jsonBody)) : normalize(jsonBody)) : undefined,
      bodyRaw: jsonBody,
      bodyContentType,
      bodyRequired: requestBody?.required === true && bodyContentType !== null,
      bodyExample: bodyContent ? (bodyContent.example ?? Object.values(bodyContent.examples ?? {}).map(deref)[0]?.value
        ?? deref(bodyContent.schema)?.example) : undefined,
      idempotencyKey: need('idempotency-key'),
      ifMatch: need('if-match'),
      responses,
    });
  }
}

const camel = (id) => id.replace(/(^|_)([a-z0-9])/g, (_, __, ch) => ch.toUpperCase());
const paramsSchema = (op, where) => {
  const params = op.parameters.filter((param) => param.in === where);
  if (!params.length) return undefined;
  const key = (param) => (where === 'header' ? param.name.toLowerCase() : param.name);
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((param) => [key(param), withUlidKey(param, withStatedRange(param, normalize(param.schema)))])),
    required: params.filter((param) => param.required).map(key),
  };
};

// A header the document types `format: ulid` with no pattern beside it (the allocation templates'
// Idempotency-Key, IdempotencyKeyULID) has no other rule, so its format becomes ULID's pattern (Crockford
// base32, either case, at most 7ZZZ…): a client sending Cint a UUID key there is told so here too.
// Elsewhere (ids in paths and bodies) the format is dropped as above: a malformed id is one the mock
// answers 404 for, as it does for any unknown id.
const ULID_PATTERN = '^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$';
function withUlidKey(param, schema) {
  const stated = deref(param.schema);
  if (param.in !== 'header' || stated?.format !== 'ulid' || stated.type !== 'string' || stated.pattern !== undefined) return schema;
  return { ...normalize(stated), pattern: ULID_PATTERN };
}

// Some bounds are stated only in a parameter's description: page_size "between 1 and 100" (1000 for
// PageSize1000, 50 for the changelog). The document's words are its schema too: they become
// minimum/maximum, so the validator refuses what the description rules out.
function withStatedRange(param, schema) {
  const range = /between (\d+) and (\d+)/i.exec(param.description ?? '');
  if (!range || schema.type !== 'integer' || schema.minimum !== undefined || schema.maximum !== undefined) return schema;
  return { ...schema, minimum: Number(range[1]), maximum: Number(range[2]) };
}

// ---- Example bodies that fit their schema ---------------------------------------------------------
// Cint's examples break their own schemas here and there (nulls where none are allowed, "string" for a
// duration, ids that are not ULIDs), and 52 success answers have no example at all. fit() walks the
// schema, keeps what of the example is valid and makes up the rest from the schema's own examples,
// formats and patterns, deterministically, so the generated files do not change between runs.
const PATTERN_VALUES = {
  '^[0-9A-Z]{26}$': '01JPVZD75DW4KRP7MPFMF6KGZX',
  '^([a-z]*_)*([a-z]*)$': 'not_found_error',
  '^[a-zA-Z0-9\\-_ ]*$': 'REF-001',
  '^[a-z]{3}$': 'eng',
  '^[a-z]{2}$': 'us',
  '^Validation error.*?$': 'Validation error: the request is not valid',
};
const FORMAT_VALUES = {
  'date-time': '2025-12-18T09:00:00.000Z', date: '2025-12-18', uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  uri: 'https://example.com/cint-mock', 'uri-reference': '/cint-mock', duration: 'P1D', email: 'user@example.com',
};

function rawResolve(schema) {
  let node = schema;
  while (node?.$ref) node = lookup(node.$ref);
  return node ?? {};
}

function stringFits(schema, value) {
  if (typeof value !== 'string') return false;
  if (schema.enum && !schema.enum.includes(value)) return false;
  if (schema.minLength !== undefined && value.length < schema.minLength) return false;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
  if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return false;
  if (schema.format && formatCheck[schema.format] && !formatCheck[schema.format](value)) return false;
  return true;
}
const formatCheck = {
  'date-time': (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value),
  date: (value) => /^\d{4}-\d{2}-\d{2}$/.test(value),
  uuid: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
  uri: (value) => /^[a-z][a-z0-9+.-]*:[^\s{}<>"|\\^`]*$/i.test(value),
  duration: (value) => /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(value),
  email: (value) => /^[^@\s]+@[^@\s]+$/.test(value),
};

function numberFits(schema, value) {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (schema.type === 'integer' && !Number.isInteger(value)) return false;
  if (schema.enum && !schema.enum.includes(value)) return false;
  if (schema.minimum !== undefined && (schema.exclusiveMinimum === true ? value <= schema.minimum : value < schema.minimum)) return false;
  if (schema.maximum !== undefined && (schema.exclusiveMaximum === true ? value >= schema.maximum : value > schema.maximum)) return false;
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return false;
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) return false;
  return true;
}

/** The branch of a oneOf/anyOf that a value most likely meant: its const or enum discriminator, then its type. */
function pickBranch(branches, value) {
  const resolved = branches.map(rawResolve);
  if (value === null) {
    const nullable = resolved.findIndex((branch) => branch.type === 'null' || branch.nullable);
    if (nullable >= 0) return branches[nullable];
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    let best = 0;
    let bestScore = -Infinity;
    resolved.forEach((branch, index) => {
      const props = collectProperties(branch);
      let score = 0;
      for (const [key, prop] of Object.entries(props)) {
        const resolvedProp = rawResolve(prop);
        if (key in value) score += 1;
        if (resolvedProp.enum && key in value) score += resolvedProp.enum.includes(value[key]) ? 10 : -100;
      }
      for (const key of Object.keys(value)) if (!(key in props)) score -= 1;
      if (score > bestScore) { best = index; bestScore = score; }
    });
    return branches[best];
  }
  const typeOf = Array.isArray(value) ? 'array' : typeof value;
  const byType = resolved.findIndex((branch) => branch.type === typeOf || (typeOf === 'number' && branch.type === 'integer' && Number.isInteger(value)));
  return branches[byType >= 0 ? byType : 0];
}

function collectProperties(schema) {
  const node = rawResolve(schema);
  if (node.allOf) return Object.assign({}, ...node.allOf.map(collectProperties));
  return node.properties ?? {};
}

function fit(schema, value, depth = 0) {
  const node = rawResolve(schema);
  const nullable = node.nullable === true || (node.allOf ?? []).some(isOnlyNullable);
  if (value === null && nullable) return null;
  if (value === undefined && node.example !== undefined && depth < 40) return fit(schema, structuredClone(node.example), depth + 1);
  if (node.allOf) {
    const parts = node.allOf.filter((part) => !isOnlyNullable(part));
    if (parts.length === 1) return fit(parts[0], value, depth + 1);
    const merged = { type: 'object', properties: collectProperties(node), required: [...new Set(parts.flatMap((part) => rawResolve(part).required ?? []))] };
    return fit(merged, value, depth + 1);
  }
  if (node.oneOf || node.anyOf) return fit(pickBranch(node.oneOf ?? node.anyOf, value), value, depth + 1);
  const type = node.type ?? (node.properties ? 'object' : node.enum ? typeof node.enum[0] : undefined);
  switch (type) {
    case 'object': {
      const source = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
      const required = new Set(node.required ?? []);
      // Made up from nothing, an object gets every field (a list item without its fields helps no one);
      // deep down, only the required ones, so recursive schemas end.
      const generating = value === undefined && depth < 12;
      const out = {};
      for (const [key, prop] of Object.entries(node.properties ?? {})) {
        if (source[key] !== undefined) {
          const fitted = fit(prop, source[key], depth + 1);
          if (fitted !== undefined) out[key] = fitted;
        } else if ((required.has(key) || generating) && depth < 30) {
          out[key] = fit(prop, undefined, depth + 1);
        }
      }
      if (node.additionalProperties && typeof node.additionalProperties === 'object') {
        for (const [key, extra] of Object.entries(source)) if (!(key in out)) out[key] = fit(node.additionalProperties, extra, depth + 1);
      }
      return out;
    }
    case 'array': {
      if (Array.isArray(value)) {
        const items = value.map((item) => fit(node.items ?? {}, item, depth + 1)).filter((item) => item !== undefined);
        if (items.length >= (node.minItems ?? 0)) return items.slice(0, node.maxItems ?? items.length);
      }
      const length = Math.min(Math.max(1, node.minItems ?? 1), node.maxItems ?? Infinity);
      return depth < 20 ? Array.from({ length }, () => fit(node.items ?? {}, undefined, depth + 1)) : [];
    }
    case 'string': {
      if (stringFits(node, value)) return value;
      if (typeof value === 'number' && stringFits(node, String(value))) return String(value);
      if (node.enum) return node.enum[0];
      if (node.default !== undefined && stringFits(node, node.default)) return node.default;
      if (node.pattern && PATTERN_VALUES[node.pattern] !== undefined) return PATTERN_VALUES[node.pattern];
      if (node.format && FORMAT_VALUES[node.format] !== undefined) return FORMAT_VALUES[node.format];
      const text = 'string';
      return text.padEnd(node.minLength ?? 0, 'x').slice(0, node.maxLength ?? text.length + (node.minLength ?? 0));
    }
    case 'integer':
    case 'number': {
      if (numberFits(node, value)) return value;
      if (typeof value === 'string' && value.trim() !== '' && numberFits(node, Number(value))) return Number(value);
      if (node.enum) return node.enum[0];
      if (node.default !== undefined && numberFits(node, node.default)) return node.default;
      if (node.exclusiveMinimum === true && node.minimum !== undefined) {
        return node.maximum !== undefined ? (node.minimum + node.maximum) / 2 : node.minimum + 1;
      }
      const low = node.minimum ?? (typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum + 1 : 1);
      return Math.min(low, node.maximum ?? low);
    }
    case 'boolean':
      if (typeof value === 'boolean' && (!node.enum || node.enum.includes(value))) return value;
      return node.enum?.[0] ?? node.default ?? false;
    case 'null':
      return null;
    default:
      return value === undefined ? null : value;
  }
}

const requestRoots = [];
const opBlocks = operations.map((op) => {
  const params = paramsSchema(op, 'path');
  const query = paramsSchema(op, 'query');
  const headers = paramsSchema(op, 'header');
  [params, query, headers, op.bodySchema].forEach((schema) => schema && requestRoots.push(schema));
  const name = camel(op.id);
  const success = op.responses.find((response) => response.status < 400);
  const lines = [
    `  ${op.id}: {`,
    `    id: '${op.id}',`,
    `    method: '${op.method}',`,
    `    path: '${op.path}',`,
    `    tag: ${lit(op.tag)},`,
    `    summary: ${lit(op.summary)},`,
    `    security: '${op.security}',`,
    `    successStatus: ${success.status},`,
    `    statuses: ${lit(op.responses.map((response) => response.status))},`,
    `    successHeaders: ${lit(success.headers.filter((header) => header.required && !['traceparent', 'tracestate'].includes(header.name)).map((header) => header.name))},`,
    `    requiredHeaders: ${lit(op.parameters.filter((param) => param.in === 'header' && param.required).map((param) => param.name))},`,
    `    bodyContentType: ${lit(op.bodyContentType)},`,
    `    bodyRequired: ${op.bodyRequired},`,
    `    idempotencyKey: ${lit(op.idempotencyKey)},`,
    // The statuses whose documented headers carry the request's Idempotency-Key back (update_project's 200).
    `    echoesIdempotencyKey: ${lit(op.responses.filter((response) => response.headers.some((header) => header.name === 'idempotency-key')).map((response) => response.status))},`,
    `    ifMatch: ${lit(op.ifMatch)},`,
    `    schemas: {`,
    params ? `      params: requestSchemas.${name}Params,` : '',
    query ? `      querystring: requestSchemas.${name}Query,` : '',
    headers ? `      headers: requestSchemas.${name}Headers,` : '',
    op.bodySchema ? `      body: requestSchemas.${name}Body,` : '',
    `    },`,
    `  },`,
  ].filter(Boolean);
  const parts = [
    params && [`${name}Params`, params],
    query && [`${name}Query`, query],
    headers && [`${name}Headers`, headers],
    op.bodySchema && [`${name}Body`, op.bodySchema],
  ].filter(Boolean);
  const consts = parts.map(([constName, schema]) => `const ${constName} = ${emit(schema, 0)};`);
  return { lines, consts, parts };
});

const components = componentOrder(requestRoots);

/** A normalized schema with every component reference replaced by the component itself. */
const inlineRefs = (node) => mapRefs(node, (name) => inlineRefs(normalizeComponent(name)));
const requestJson = Object.fromEntries(opBlocks.flatMap((block) => block.parts).map(([name, schema]) => [name, inlineRefs(schema)]));

// The request schemas are written twice, on purpose: as TypeBox code inside a function that is never
// called, which gives handlers their static types, and as plain JSON Schema, which is what the server
// loads. Building ~160 operations' schemas with TypeBox at start took a third of the start-up time.
const ts = [
  '// Generated by scripts/extract-spec.mjs from Cint\'s Demand API OpenAPI document (version ' + doc.info.version + ').',
  '// Do not edit by hand: run `npm run spec` after the document changes.',
  '/* eslint-disable */',
  '',
  "import { readGeneratedJson } from './generated-data.js';",
  '',
  `export const CINT_API_VERSION = '${doc.info.version}';`,
  '',
  '// Only for the types below: TypeBox is not loaded at run time by this module.',
  "declare const Type: typeof import('@sinclair/typebox').Type;",
  '',
  '/** Never called: its return type is the request schemas\' TypeBox types (for Static<>). */',
  'function requestSchemaTypes() {',
  ...components.map((name) => `const ${ident(name)} = ${emit(normalizeComponent(name), 0)};\n`),
  ...opBlocks.flatMap((block) => [...block.consts, '']),
  `return { ${opBlocks.flatMap((block) => block.parts.map(([name]) => name)).join(', ')} };`,
  '}',
  '',
  'type RequestSchemas = ReturnType<typeof requestSchemaTypes>;',
  "const requestSchemas = readGeneratedJson('spec.generated.json') as RequestSchemas;",
  '',
  'export const operationTable = {',
  ...opBlocks.flatMap((block) => block.lines),
  '} as const;',
  '',
].join('\n');

// ---- Responses: schemas, required headers and fitted examples, for the mock and its tests -----------
const toAjvRefs = (node) => mapRefs(node, (name) => ({ $ref: `cint#/definitions/${name}` }));
const responseRoots = operations.flatMap((op) => [...op.responses.map((response) => response.schema), op.bodySchema].filter(Boolean));
const definitions = Object.fromEntries(componentOrder(responseRoots).sort().map((name) => [name, toAjvRefs(normalizeComponent(name))]));

const { Ajv } = await import('ajv');
const { default: addFormats } = await import('ajv-formats');
const ajv = new Ajv({ strict: false, allErrors: false, multipleOfPrecision: 9 });
addFormats(ajv);
ajv.addSchema({ $id: 'cint', definitions });
const unfit = [];
const responseTable = Object.fromEntries(operations.map((op) => {
  const statuses = Object.fromEntries(op.responses.map((response) => {
    const schema = response.schema ? toAjvRefs(response.schema) : undefined;
    let example;
    if (response.status < 400 && response.raw) {
      example = fit(response.raw, response.example === undefined ? undefined : structuredClone(response.example));
      if (!ajv.validate(schema, example)) unfit.push(`${op.id} ${response.status}: ${ajv.errorsText(ajv.errors)}`);
    }
    return [response.status, {
      ...(response.schemaName ? { schemaName: response.schemaName } : {}),
      headers: response.headers,
      ...(schema ? { schema } : {}),
      ...(example !== undefined ? { example } : {}),
    }];
  }));
  const requestExample = op.bodyExample;
  // Where the document's request example is missing or breaks the request schema, one that fits it:
  // what a client would send after reading the schema. The mock never reads it; its tests do.
  let validRequestExample;
  if (op.bodyRaw && op.bodyContentType === 'application/json') {
    const requestSchema = toAjvRefs(op.bodySchema);
    if (requestExample === undefined || !ajv.validate(requestSchema, requestExample)) {
      const fitted = fit(op.bodyRaw, requestExample === undefined ? undefined : structuredClone(requestExample));
      if (ajv.validate(requestSchema, fitted)) validRequestExample = fitted;
      else unfit.push(`${op.id} request: ${ajv.errorsText(ajv.errors)}`);
    }
  }
  return [op.id, {
    ...(requestExample !== undefined ? { requestExample } : {}),
    ...(validRequestExample !== undefined ? { validRequestExample } : {}),
    responses: statuses,
  }];
}));
// Every request schema must compile: the server compiles them on first use, where a broken one would
// be a 500 for a client instead of a failure here.
const textAjv = new Ajv({ strict: false, coerceTypes: 'array', multipleOfPrecision: 9 });
addFormats(textAjv);
for (const [name, schema] of Object.entries(requestJson)) {
  try {
    textAjv.compile(schema);
  } catch (error) {
    console.error(`extract-spec: the request schema ${name} does not compile: ${error.message}`);
    process.exit(1);
  }
}
if (unfit.length && !check) console.error(`extract-spec: examples that still break their schema:\n  ${unfit.join('\n  ')}`);

const responsesTs = [
  '// Generated by scripts/extract-spec.mjs from Cint\'s Demand API OpenAPI document (version ' + doc.info.version + ').',
  '// Per operation and status: the response schema (refs into `responseDefinitions`, registered with ajv as',
  '// "cint"), the documented headers, and for successes an example that fits its schema. The mock answers',
  '// from these; the tests check every answer against them. Do not edit by hand: run `npm run spec`.',
  '// The data is in responses.generated.json, read when first asked for: few requests need it.',
  "import { readGeneratedJson } from './generated-data.js';",
  "import type { ResponseTable } from './responses.js';",
  '',
  'let data: { definitions: Record<string, object>; table: ResponseTable } | undefined;',
  "const read = () => (data ??= readGeneratedJson('responses.generated.json') as NonNullable<typeof data>);",
  '',
  '/** Response schemas by name, for ajv. */',
  'export const responseDefinitions = (): Record<string, object> => read().definitions;',
  '',
  '/** Per operation id: its responses by status. */',
  'export const responseTable = (): ResponseTable => read().table;',
  '',
].join('\n');

// ---- Client types generated from the document, without its prose ------------------------------------
// The tests drive the mock with a client generated from Cint's document (openapi-typescript types +
// openapi-fetch), so "a client generated from the spec" is checked for real, on a fresh clone too.
const DROPPED = new Set(['description', 'summary', 'externalDocs', 'x-codeSamples', 'x-readme']);
function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).filter(([key]) => !DROPPED.has(key)).map(([key, value]) => [key, strip(value)]));
  }
  return node;
}
const trimmedPaths = {};
for (const op of operations) {
  const item = doc.paths[op.specPath];
  const kept = trimmedPaths[op.specPath] ??= item.parameters ? { parameters: item.parameters } : {};
  kept[op.method.toLowerCase()] = item[op.method.toLowerCase()];
}
const usedRefs = new Set();
const collect = (node) => {
  for (const ref of refsOf(node)) {
    if (usedRefs.has(ref)) continue;
    usedRefs.add(ref);
    collect(lookup(ref));
  }
};
collect(trimmedPaths);
const trimmedComponents = { securitySchemes: doc.components.securitySchemes };
for (const ref of [...usedRefs].sort()) {
  const [, , section, name] = ref.split('/');
  (trimmedComponents[section] ??= {})[name] = lookup(ref);
}
const trimmed = strip({
  openapi: doc.openapi, info: { title: doc.info.title, version: doc.info.version },
  servers: doc.servers, security: doc.security, paths: trimmedPaths, components: trimmedComponents,
});
const { default: openapiTS, astToString } = await import('openapi-typescript');
const clientTypes = '// Generated by scripts/extract-spec.mjs with openapi-typescript from the trimmed copy of Cint\'s document.\n'
  + '/* eslint-disable */\n' + astToString(await openapiTS(structuredClone(trimmed)));

// ---- docs/operations.md: the operations the mock serves, from the same table -----------------------
const tags = [...new Set(operations.map((op) => op.tag))];
const operationsMd = [
  '<!-- Generated by scripts/extract-spec.mjs from Cint\'s OpenAPI document; run `npm run spec` to update. -->',
  `# The operations cint-mock serves (${operations.length}, Cint Demand API ${doc.info.version})`,
  '',
  'Every operation of Cint\'s document, under `/v1` on the mock\'s port (the Fulfillment operations, which Cint',
  'serves on its S2S host without `/v1`, under `/fulfillment`). Each answers its success status below with a',
  'body valid against its schema, and each status listed can be asked for with `Prefer: code=NNN` or a',
  'scenario rule. Required headers beyond `Authorization` are listed; `Cint-API-Version` is required on all',
  'but the Fulfillment operations. One body cannot be valid, by the document\'s own doing: `generate_report`\'s',
  '`report_id` is both `format: uuid` and the ULID pattern (see the README\'s Decisions).',
  '',
  'Strings the document says are trimmed of leading and trailing whitespace; the mock trims them before',
  'checking their length and pattern, and stores them trimmed:',
  '',
  ...operations.flatMap((op) => [...trimmedFields(op.bodySchema)].map((path) => `- \`${op.id}\`: \`${path}\``)),
  '',
  ...tags.flatMap((tag) => [
    `## ${tag}`,
    '',
    '| operation | method and path | success | other statuses | required headers |',
    '| --- | --- | --- | --- | --- |',
    ...operations.filter((op) => op.tag === tag).map((op) => {
      const success = op.responses.find((response) => response.status < 400).status;
      const others = op.responses.map((response) => response.status).filter((status) => status !== success);
      const headers = op.parameters.filter((param) => param.in === 'header' && param.required && param.name.toLowerCase() !== 'cint-api-version').map((param) => param.name);
      return `| \`${op.id}\` | \`${op.method} ${op.path}\` | ${success} | ${others.join(', ')} | ${headers.join(', ')} |`;
    }),
    '',
  ]),
].join('\n');

const outputs = [
  [join(root, 'src', 'cint', 'spec.generated.ts'), ts],
  [join(root, 'src', 'cint', 'responses.generated.ts'), responsesTs],
  // Data as JSON files, not string literals in the modules: compiling ~650 KB of literals cost 20 ms a start.
  [join(root, 'src', 'cint', 'spec.generated.json'), `${JSON.stringify(requestJson)}\n`],
  [join(root, 'src', 'cint', 'responses.generated.json'), `${JSON.stringify({ definitions, table: responseTable })}\n`],
  [join(root, 'test', 'fixtures', 'cint-demand-client.d.ts'), clientTypes],
  [join(root, 'docs', 'operations.md'), operationsMd],
];
let stale = false;
for (const [file, text] of outputs) {
  if (check) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) { console.error(`extract-spec: ${file} is out of date; run npm run spec`); stale = true; }
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
process.exit(stale ? 1 : 0);
