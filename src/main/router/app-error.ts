import type { ErrorCode } from '../../shared/ipc/errors';

/** Thrown by a handler to return a typed error to the renderer; anything else becomes `internal`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
    readonly retryAfterSeconds?: number,
    /** A short machine code saying why, for `clinic-refused` and `invalid-code`. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
