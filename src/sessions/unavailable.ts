// The error of a shared session store that cannot be reached, did not answer in time or refused the
// command, and the 503 the request that met it is answered. Its own module, so the memory store never
// loads the Redis client.
import { CintError } from '../cint/errors.js';

const RETRY_AFTER_SECONDS = '1';

export class StoreUnavailableError extends Error {
  /**
   * The store did not answer, or refused the command: the store's own log lines (when it stops answering,
   * when it answers again) tell of it, so the request that met it writes none of its own.
   */
  outage = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Redis answered the command with an error (OOM, READONLY, WRONGPASS, NOAUTH…): ioredis names those ReplyError. */
export function isRefusal(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Redis's reply, without the script's digest and line a refusal inside a script adds. */
export function replyOf(error: Error): string {
  return error.message.replace(/\s*script: [0-9a-f]{40}, on @user_script:\d+\.?$/, '');
}

export function unavailable(error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  const message = isRefusal(error) ? `the session store refused the command: ${replyOf(error as Error)}` : `the session store did not answer: ${(error as Error).message}`;
  return new StoreUnavailableError(message, { cause: error });
}

/**
 * What a warning says of a command the store did not carry out, for a save made in the background (no
 * request to answer 503): the store's reason, without a stack, as the store's own lines say it. A fault of
 * the mock's own code (a TypeError, say) keeps its stack.
 */
export function failedCommand(error: unknown): { reason: string } | { err: unknown } {
  const ours = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError;
  return ours ? { err: error } : { reason: unavailable(error).message };
}

/** The 503 of a store away: an answer the README documents, not a fault of the mock, so no error is logged for it. */
export class StoreUnavailableAnswer extends CintError {}

/** Cint's 503 for a store that cannot be reached (named when its URL is given), with when to try again. */
export function storeUnavailable(error: unknown, storeUrl?: string): CintError {
  const where = storeUrl === undefined ? '' : ` (the session store at ${storeUrl})`;
  return new StoreUnavailableAnswer(503, `${unavailable(error).message}${where}; retry after the delay in Retry-After`, { headers: { 'retry-after': RETRY_AFTER_SECONDS } });
}
