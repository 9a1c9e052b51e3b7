// W3C Trace Context: echo a caller's valid traceparent, otherwise start a new trace.
import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}

// Random bytes drawn 8 KB at a time and turned into hex once: a call into the CSPRNG per request cost
// more than the rest of answering a scripted error, and hex per request was most of what remained.
const IDS_PER_DRAW = 341;
const ID_CHARS = 48;
const bytes = Buffer.alloc((ID_CHARS / 2) * IDS_PER_DRAW);
let hex = '';
let offset = 0;
const ZERO_TRACE = '0'.repeat(32);
const ONE_TRACE = '1'.padStart(32, '0');
const ZERO_SPAN = '0'.repeat(16);
const ONE_SPAN = '1'.padStart(16, '0');

export function newTraceparent(): string {
  if (offset === hex.length) {
    randomFillSync(bytes);
    hex = bytes.toString('hex');
    offset = 0;
  }
  const traceId = hex.slice(offset, offset + 32);
  const spanId = hex.slice(offset + 32, offset + ID_CHARS);
  offset += ID_CHARS;
  // All-zero ids are invalid; with 128 random bits that is never, but the format forbids it, so say so.
  return `00-${traceId === ZERO_TRACE ? ONE_TRACE : traceId}-${spanId === ZERO_SPAN ? ONE_SPAN : spanId}-01`;
}
