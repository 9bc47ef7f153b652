/**
 * The one error shape of the project. `code` is stable and machine-readable (UPPER_SNAKE),
 * `message` is a human sentence, and `retryable` tells callers whether the same operation may
 * succeed later without anyone changing anything.
 */
export class BridgeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** HTTP status when the error came from (or maps onto) an HTTP answer. */
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: {
    code: string;
    message: string;
    retryable?: boolean;
    status?: number;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "BridgeError";
    this.code = init.code;
    this.retryable = init.retryable ?? false;
    this.status = init.status;
    this.details = init.details;
  }

  toJSON(): { code: string; message: string; retryable: boolean } {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** True when `error` is a BridgeError, optionally with one of the given codes. */
export function isBridgeError(error: unknown, ...codes: string[]): error is BridgeError {
  return error instanceof BridgeError && (codes.length === 0 || codes.includes(error.code));
}

/** Turns anything thrown into a BridgeError, keeping the original as `cause`. */
export function toBridgeError(error: unknown, fallbackCode = "INTERNAL_ERROR"): BridgeError {
  if (error instanceof BridgeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BridgeError({ code: fallbackCode, message, retryable: false, cause: error });
}
