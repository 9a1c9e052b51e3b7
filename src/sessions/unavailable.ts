// The error of a shared session store that cannot be reached or did not answer in time, and the 503
// the request that met it is answered. Its own module, so the memory store never loads the Redis client.
import { CintError } from '../cint/errors.js';

const RETRY_AFTER_SECONDS = '1';

export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export function unavailable(error: unknown): StoreUnavailableError {
  return error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`the session store did not answer: ${(error as Error).message}`, { cause: error });
}

/** Cint's 503 for a store that cannot be reached (named when its URL is given), with when to try again. */
export function storeUnavailable(error: unknown, storeUrl?: string): CintError {
  const where = storeUrl === undefined ? '' : ` (the session store at ${storeUrl})`;
  return new CintError(503, `${unavailable(error).message}${where}; retry after the delay in Retry-After`, { headers: { 'retry-after': RETRY_AFTER_SECONDS } });
}
