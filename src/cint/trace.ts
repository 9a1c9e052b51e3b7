// W3C Trace Context: echo a caller's valid traceparent, otherwise start a new trace.
import { randomFillSync } from 'node:crypto';

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isTraceparent(value: unknown): value is string {
  return typeof value === 'string' && TRACEPARENT.test(value);
}

// Random bytes drawn 8 KB at a time: a call into the CSPRNG per request cost more than the rest of
// answering a scripted error.
const POOL = Buffer.alloc(24 * 341);
let offset = POOL.length;

export function newTraceparent(): string {
  if (offset + 24 > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const hex = POOL.toString('hex', offset, offset + 24);
  offset += 24;
  // All-zero ids are invalid; with 128 random bits that is never, but the format forbids it, so say so.
  const traceId = hex.slice(0, 32) === '0'.repeat(32) ? '1'.padStart(32, '0') : hex.slice(0, 32);
  const spanId = hex.slice(32, 48) === '0'.repeat(16) ? '1'.padStart(16, '0') : hex.slice(32, 48);
  return `00-${traceId}-${spanId}-01`;
}
