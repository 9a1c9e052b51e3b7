// W3C Trace Context: echo a caller's valid traceparent, otherwise start a new trace.
import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}

// Random bytes drawn 8 KB at a time and made into traceparents all at once, one string: a call into
// the CSPRNG per request cost more than the rest of answering a scripted error. Each traceparent is a
// slice of that string, which Node checks (a regular expression) as it is, where a value joined from
// pieces per request would first be copied into one.
const PER_DRAW = 341;
const ID_BYTES = 24;
const TRACEPARENT_CHARS = '00-'.length + 32 + '-'.length + 16 + '-01'.length;
const bytes = Buffer.alloc(ID_BYTES * PER_DRAW);
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
let pool = '';
let offset = 0;

function draw(): void {
  randomFillSync(bytes);
  const hex = bytes.toString('hex');
  const traceparents: string[] = [];
  for (let at = 0; at < hex.length; at += 2 * ID_BYTES) {
    // All-zero ids are invalid; with 128 random bits that is never, but the format forbids it, so say so.
    const traceId = hex.slice(at, at + 32);
    const spanId = hex.slice(at + 32, at + 48);
    traceparents.push(`00-${traceId === ZERO_TRACE ? '1'.padStart(32, '0') : traceId}-${spanId === ZERO_SPAN ? '1'.padStart(16, '0') : spanId}-01`);
  }
  pool = traceparents.join('');
  offset = 0;
}

export function newTraceparent(): string {
  if (offset === pool.length) draw();
  const traceparent = pool.slice(offset, offset + TRACEPARENT_CHARS);
  offset += TRACEPARENT_CHARS;
  return traceparent;
}
