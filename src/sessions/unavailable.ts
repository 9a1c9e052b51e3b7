// The error of a shared session store that cannot be reached or did not answer in time; the request
// that met it is answered 503 (cint/error-handler.ts). Its own module, so the memory store never loads
// the Redis client.
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export function unavailable(error: unknown): StoreUnavailableError {
  return error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`the session store did not answer: ${(error as Error).message}`, { cause: error });
}
