#!/usr/bin/env node
// Mirrors Cint's published OpenAPI document into code: the TypeBox request schemas and the operation
// table the mock serves (src/cint/spec.generated.ts), and the response schemas the tests check bodies
// against (test/fixtures/cint-responses.json). Run with `npm run spec`; `npm run spec -- --check`
// fails when the committed files differ from what the document gives.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specPath = process.env.CINT_SPEC ?? join(root, '..', 'shared', 'cint-demand-openapi.yml');
const check = process.argv.includes('--check');

/** The operations cint-mock serves, in the order the README lists them. */
export const COVERED = [
  'list_account_projects', 'create_project', 'get_project_by_id', 'update_project',
  'get_list_target_groups', 'create_target_group', 'get_target_group', 'update_target_group',
  'create_launch_fielding_run_from_draft_job', 'get_launch_fielding_run_from_draft_job',
  'get_fielding_runs_by_target_group_id', 'get_fielding_run',
  'pause_fielding_run', 'resume_fielding_run', 'complete_fielding_run',
];

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
  } else if (schema.type === 'object' || schema.properties) {
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
  for (const key of KEPT_KEYWORDS) {
    if (schema[key] !== undefined) out = attach(out, key, schema[key]);
  }
  if (schema.format && KEPT_FORMATS.has(schema.format)) out = attach(out, 'format', schema.format);
  // int32 is a real bound: account_id 99999999999999999999 is not an account.
  if (schema.type === 'integer' && schema.format === 'int32') {
    if (schema.minimum === undefined) out = attach(out, 'minimum', -2147483648);
    if (schema.maximum === undefined) out = attach(out, 'maximum', 2147483647);
  }
  if (nullable) out = { anyOf: [out, { type: 'null' }] };
  return out;
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
    normalizedComponents.set(name, normalize(doc.components.schemas[name]));
  }
  return normalizedComponents.get(name);
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

function inline(node) {
  if (Array.isArray(node)) return node.map(inline);
  if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') return inline(normalizeComponent(node.$ref));
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value)]));
  }
  return node;
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

function emit(node, depth = 1) {
  const pad = '  '.repeat(depth);
  if (node.$ref) return node.$ref;
  if (node.allOf) {
    const extra = Object.fromEntries(Object.entries(node).filter(([key]) => key !== 'allOf'));
    const parts = node.allOf.map((part) => emit(part, depth));
    if (parts.length === 1 && Object.keys(extra).length) return `Type.Intersect([${parts[0]}, Type.Unsafe(${lit(extra)})])`;
    return `Type.Intersect([${parts.join(', ')}])`;
  }
  if (node.anyOf) return `Type.Union([${node.anyOf.map((part) => emit(part, depth)).join(', ')}]${options(node, ['default'])})`;
  if (node.enum) {
    const literals = node.enum.map((value) => `Type.Literal(${lit(value)})`);
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
const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!op || typeof op !== 'object' || !COVERED.includes(op.operationId)) continue;
    const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])]
      .map((param) => (param.$ref ? lookup(param.$ref) : param));
    const bodySchema = op.requestBody?.content?.['application/json']?.schema;
    const responses = Object.entries(op.responses).map(([status, response]) => {
      const resolved = response.$ref ? lookup(response.$ref) : response;
      const content = resolved.content?.['application/json'];
      const headers = Object.entries(resolved.headers ?? {}).map(([name, header]) => {
        const value = header.$ref ? lookup(header.$ref) : header;
        return { name: name.toLowerCase(), required: value.required === true };
      });
      return { status: Number(status), schema: content?.schema ? normalize(content.schema) : undefined, headers, example: content?.example };
    });
    operations.push({
      id: op.operationId, method: method.toUpperCase(), specPath: path,
      path: `/v1${path.replace(/\{([^}]+)\}/g, ':$1')}`,
      tag: op.tags?.[0] ?? '',
      summary: op.summary ?? '',
      parameters, bodySchema: bodySchema ? normalize(bodySchema) : undefined,
      bodyRequired: op.requestBody?.required === true && bodySchema !== undefined,
      bodyExample: op.requestBody?.content?.['application/json']?.example
        ?? (bodySchema?.$ref ? lookup(bodySchema.$ref).example : undefined),
      responses,
    });
  }
}
operations.sort((a, b) => COVERED.indexOf(a.id) - COVERED.indexOf(b.id));
if (operations.length !== COVERED.length) {
  const missing = COVERED.filter((id) => !operations.some((op) => op.id === id));
  throw new Error(`extract-spec: operations missing from the document: ${missing.join(', ')}`);
}

const camel = (id) => id.replace(/(^|_)([a-z])/g, (_, __, ch) => ch.toUpperCase());
const paramsSchema = (op, where) => {
  const params = op.parameters.filter((param) => param.in === where);
  if (!params.length) return undefined;
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((param) => [where === 'header' ? param.name.toLowerCase() : param.name, normalize(param.schema)])),
    required: params.filter((param) => param.required).map((param) => (where === 'header' ? param.name.toLowerCase() : param.name)),
  };
};

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
    `    successStatus: ${success.status},`,
    `    statuses: ${lit(op.responses.map((response) => response.status))},`,
    `    successHeaders: ${lit(success.headers.filter((header) => !['traceparent', 'tracestate'].includes(header.name)).map((header) => header.name))},`,
    `    requiredHeaders: ${lit(op.parameters.filter((param) => param.in === 'header' && param.required).map((param) => param.name))},`,
    `    bodyRequired: ${op.bodyRequired},`,
    `    schemas: {`,
    params ? `      params: ${name}Params,` : '',
    query ? `      querystring: ${name}Query,` : '',
    headers ? `      headers: ${name}Headers,` : '',
    op.bodySchema ? `      body: ${name}Body,` : '',
    `    },`,
    `  },`,
  ].filter(Boolean);
  const consts = [
    params && `export const ${name}Params = ${emit(params, 0)};`,
    query && `export const ${name}Query = ${emit(query, 0)};`,
    headers && `export const ${name}Headers = ${emit(headers, 0)};`,
    op.bodySchema && `export const ${name}Body = ${emit(op.bodySchema, 0)};`,
  ].filter(Boolean);
  return { lines, consts };
});

const components = componentOrder(requestRoots);
const ts = [
  '// Generated by scripts/extract-spec.mjs from Cint\'s Demand API OpenAPI document (version ' + doc.info.version + ').',
  '// Do not edit by hand: run `npm run spec` after the document changes.',
  '/* eslint-disable */',
  "import { Type } from '@sinclair/typebox';",
  '',
  `export const CINT_API_VERSION = '${doc.info.version}';`,
  '',
  ...components.map((name) => `export const ${name} = ${emit(normalizeComponent(name), 0)};\n`),
  ...opBlocks.flatMap((block) => [...block.consts, '']),
  'export const operationTable = {',
  ...opBlocks.flatMap((block) => block.lines),
  '} as const;',
  '',
].join('\n');

const fixtures = {
  version: doc.info.version,
  operations: Object.fromEntries(operations.map((op) => [op.id, {
    method: op.method, path: op.path,
    ...(op.bodyExample !== undefined ? { requestExample: op.bodyExample } : {}),
    responses: Object.fromEntries(op.responses.map((response) => [response.status, {
      headers: response.headers,
      ...(response.schema ? { schema: inline(response.schema) } : {}),
      ...(response.example !== undefined ? { example: response.example } : {}),
    }])),
  }])),
};
const json = JSON.stringify(fixtures, null, 1) + '\n';

// ---- A trimmed OpenAPI document of the covered operations, and client types generated from it ---
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
const trimmedJson = JSON.stringify(trimmed, null, 1) + '\n';
const { default: openapiTS, astToString } = await import('openapi-typescript');
const clientTypes = '// Generated by scripts/extract-spec.mjs with openapi-typescript from the trimmed copy of Cint\'s document.\n'
  + '/* eslint-disable */\n' + astToString(await openapiTS(structuredClone(trimmed)));

const outputs = [
  [join(root, 'src', 'cint', 'spec.generated.ts'), ts],
  [join(root, 'test', 'fixtures', 'cint-responses.json'), json],
  [join(root, 'test', 'fixtures', 'cint-demand-trimmed.openapi.json'), trimmedJson],
  [join(root, 'test', 'fixtures', 'cint-demand-client.d.ts'), clientTypes],
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
