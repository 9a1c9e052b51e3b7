// multipart/form-data for Cint's three uploads (a `file` part of respondent ids, plain text or CSV).
// Read with @fastify/busboy, the parser @fastify/multipart is built on, loaded at the first upload:
// registering @fastify/multipart itself cost every start about 20 ms (it touches globalThis.FormData,
// which loads Node's fetch), for three operations most suites never call.
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { BusboyInstance } from '@fastify/busboy';
import { badRequest, contentTooLarge, fileTooLarge } from '../cint/errors.js';

export interface UploadLimits {
  /** Bytes a file must stay under: Cint's limit, whatever the server's body limit. */
  fileBytes: number;
  /** Bytes of each field beside the file. */
  bytes: number;
  /** Fields beside the file. */
  fields: number;
}

/** The body an upload's handler gets: each field's text, the file's text under its field name. */
export type UploadBody = Record<string, string>;

/** The name the client gave each file part of a body (its `filename`, without a path), by field name. */
const fileNames = new WeakMap<object, Record<string, string>>();

/** The name the client gave the upload's file part `field`; undefined when it gave none (or sent the part as a plain field). */
export function uploadedFileName(body: unknown, field = 'file'): string | undefined {
  return typeof body === 'object' && body !== null ? fileNames.get(body)?.[field] : undefined;
}

export function acceptUploads(scope: FastifyInstance, limits: UploadLimits): void {
  scope.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    readUpload(request.headers, payload, limits).then((body) => done(null, body), (error: Error) => done(error, undefined));
  });
}

async function readUpload(headers: Record<string, string | string[] | undefined>, payload: Readable, limits: UploadLimits): Promise<UploadBody> {
  const { Busboy } = await import('@fastify/busboy');
  return new Promise((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: headers as never, limits: { files: 1, fields: limits.fields, fileSize: limits.fileBytes - 1, fieldSize: limits.bytes } });
    } catch (error) {
      // No boundary, say: busboy says what is wrong.
      reject(badRequest([], `the multipart body could not be read: ${(error as Error).message}`));
      return;
    }
    const body: UploadBody = {};
    const names: Record<string, string> = {};
    fileNames.set(body, names);
    let failed: Error | undefined;
    const fail = (error: Error) => {
      failed ??= error;
      payload.unpipe(parser);
      payload.resume();
      reject(failed);
    };
    parser.on('file', (name, file, fileName) => {
      if (fileName) names[name] = fileName;
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.on('limit', () => fail(fileTooLarge(limits.fileBytes)));
      file.on('end', () => { body[name] = Buffer.concat(chunks).toString('utf8'); });
    });
    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) fail(contentTooLarge(limits.bytes));
      else body[name] = value;
    });
    parser.on('filesLimit', () => fail(badRequest([{ name: 'file', reason: 'Only one file may be uploaded.' }])));
    parser.on('fieldsLimit', () => fail(badRequest([], `at most ${limits.fields} fields may be sent beside the file`)));
    parser.on('error', (error: Error) => fail(badRequest([], `the multipart body could not be read: ${error.message}`)));
    parser.on('finish', () => { if (!failed) resolve(body); });
    payload.on('error', fail);
    payload.pipe(parser);
  });
}
