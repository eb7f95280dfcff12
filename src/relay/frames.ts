// Transport frames (ADR 0010, "Transport"): `{ v: 1, id, type, body }` in, answers
// `{ v: 1, re, ok, body | error: { code, message } }` out. The size limit is enforced on
// the raw bytes before JSON.parse; error messages never echo frame content.
import { z } from 'zod';

export const FRAME_VERSION = 1;
export const MAX_FRAME_BYTES = 256 * 1024;

export const FrameId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Frame types the relay answers, each with the schema of its body. */
export const frameBodies = {
  ping: z.object({}).strict(),
} as const;
export type FrameType = keyof typeof frameBodies;
export const isFrameType = (type: string): type is FrameType => Object.hasOwn(frameBodies, type);

export const Frame = z
  .object({
    v: z.literal(FRAME_VERSION),
    id: FrameId,
    type: z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/),
    body: z.unknown(),
  })
  .strict();
export type Frame = z.infer<typeof Frame>;

export const FRAME_ERROR_CODES = ['too-large', 'not-text', 'not-json', 'malformed', 'unsupported-version', 'unknown-type', 'internal'] as const;
export const FrameErrorCode = z.enum(FRAME_ERROR_CODES);
export type FrameErrorCode = z.infer<typeof FrameErrorCode>;

export const AnswerError = z.object({ code: FrameErrorCode, message: z.string().max(200) }).strict();
export const Answer = z.discriminatedUnion('ok', [
  z.object({ v: z.literal(FRAME_VERSION), re: FrameId.nullable(), ok: z.literal(true), body: z.unknown() }).strict(),
  z.object({ v: z.literal(FRAME_VERSION), re: FrameId.nullable(), ok: z.literal(false), error: AnswerError }).strict(),
]);
export type Answer = z.infer<typeof Answer>;

export const PongBody = z.object({ type: z.literal('pong'), time: z.number().int() }).strict();

export type ParsedFrame = { readonly ok: true; readonly frame: Frame & { type: FrameType } };
export type FrameFailure = {
  readonly ok: false;
  readonly code: FrameErrorCode;
  readonly message: string;
  /** The frame's id when it could be read, so the answer can refer to it. */
  readonly re: string | null;
};

const fail = (code: FrameErrorCode, message: string, re: string | null = null): FrameFailure => ({ ok: false, code, message, re });
const knownKeys = new Set(['v', 'id', 'type', 'body']);
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses one frame from text or raw bytes; `isBinary` marks a binary WebSocket message. */
export function parseFrame(data: string | Uint8Array, isBinary = false): ParsedFrame | FrameFailure {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  if (bytes > MAX_FRAME_BYTES) return fail('too-large', `frame is ${bytes} bytes; the limit is ${MAX_FRAME_BYTES}`);
  if (isBinary) return fail('not-text', 'frames are JSON text, not binary');
  let text: string;
  if (typeof data === 'string') text = data;
  else {
    try {
      text = decoder.decode(data);
    } catch {
      return fail('not-json', 'frame is not valid UTF-8');
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('not-json', 'frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('malformed', 'frame must be a JSON object');
  const record = value as Record<string, unknown>;
  const id = FrameId.safeParse(record.id);
  const re = id.success ? id.data : null;
  if ('v' in record && record.v !== FRAME_VERSION) return fail('unsupported-version', `only frame version ${FRAME_VERSION} is supported`, re);
  const frame = Frame.safeParse(value);
  if (!frame.success) {
    const key = frame.error.issues[0]?.path[0];
    const where = typeof key === 'string' && knownKeys.has(key) ? ` (field '${key}')` : '';
    return fail('malformed', `frame does not match the schema${where}`, re);
  }
  const { type } = frame.data;
  if (!isFrameType(type)) return fail('unknown-type', 'unknown frame type', re);
  if (!frameBodies[type].safeParse(frame.data.body).success) return fail('malformed', 'frame body does not match its type', re);
  return { ok: true, frame: { ...frame.data, type } };
}

export const answerOk = (re: string, body: unknown): Answer => ({ v: FRAME_VERSION, re, ok: true, body });
export const answerError = (failure: Pick<FrameFailure, 'code' | 'message' | 're'>): Answer => ({
  v: FRAME_VERSION,
  re: failure.re,
  ok: false,
  error: { code: failure.code, message: failure.message },
});
