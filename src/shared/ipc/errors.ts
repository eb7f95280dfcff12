// Runs anywhere: pure TypeScript, no Node, no DOM.
import { z } from 'zod';

/**
 * Every error that crosses the IPC boundary carries one of these codes. The renderer
 * shows its own translated text for a code; `message` is the English fallback and is
 * written for a person, never a stack trace.
 */
export const errorCodes = [
  'bad-request',
  'unknown-channel',
  'forbidden',
  'sender-rejected',
  'invalid-setting',
  'storage-failed',
  'wrong-passphrase',
  'throttled',
  'weak-passphrase',
  'profile-damaged',
  'profile-not-found',
  'profile-too-new',
  'keystore-unavailable',
  'device-key-unavailable',
  'backup-damaged',
  'cancelled',
  'locked',
  'invalid-request',
  'clinic-offline',
  'clinic-refused',
  'invalid-code',
  'no-consent',
  'clinic-incomplete',
  'not-found',
  'step-up-required',
  'internal',
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const IpcError = z
  .object({
    code: ErrorCode,
    message: z.string(),
    /** Which request fields were wrong, by dotted path, so a form can mark them. */
    fields: z.record(z.string(), z.string()).optional(),
    /** With `throttled`: seconds before the next try is allowed. */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    /** With `clinic-refused`, `invalid-code` and `step-up-required`: the clinic server's or the code's own reason, a short code. */
    reason: z.string().regex(/^[a-z-]{1,40}$/).optional(),
  })
  .strict();
export type IpcError = z.infer<typeof IpcError>;

export type IpcResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: IpcError };

export const ok = <T>(value: T): IpcResult<T> => ({ ok: true, value });
export const fail = (
  code: ErrorCode,
  message: string,
  fields?: Record<string, string>,
  retryAfterSeconds?: number,
  reason?: string,
): IpcResult<never> => ({
  ok: false,
  error: {
    code,
    message,
    ...(fields ? { fields } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(reason !== undefined ? { reason } : {}),
  },
});
