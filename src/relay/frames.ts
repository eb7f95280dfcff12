// Transport frames (ADR 0010, "Transport"): `{ v: 1, id, type, body }` in, answers
// `{ v: 1, re, ok, body | error: { code, message } }` out. The size limit is enforced on
// the raw bytes before JSON.parse; error messages never echo frame content. The frame types
// and their body schemas live in src/shared/protocol/relay-frames.ts, shared with clients.
import {
  type Answer as AnswerShape,
  type AnswerErrorCode,
  FRAME_VERSION,
  MAX_FRAME_BYTES,
  type RequestType,
  answerSchema,
  isRequestType,
  requestFrameSchema,
  requests,
} from '../shared/protocol/relay-frames';

export { FRAME_VERSION, MAX_FRAME_BYTES };
export const Answer = answerSchema;
export type Answer = AnswerShape;
export const PongBody = requests.ping.answer;

export type Frame = { readonly v: 1; readonly id: string; readonly type: RequestType; readonly body: unknown };
export type ParsedFrame = { readonly ok: true; readonly frame: Frame };
export type FrameFailure = {
  readonly ok: false;
  readonly code: AnswerErrorCode;
  readonly message: string;
  /** The frame's id when it could be read, so the answer can refer to it. */
  readonly re: string | null;
};

const fail = (code: AnswerErrorCode, message: string, re: string | null = null): FrameFailure => ({ ok: false, code, message, re });
const knownKeys = new Set(['v', 'id', 'type', 'body']);
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one frame from text or raw bytes; `isBinary` marks a binary WebSocket message. The
 * body is checked against its type's schema and returned as parsed (unknown keys refused).
 */
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
  const id = requestFrameSchema.shape.id.safeParse(record.id);
  const re = id.success ? id.data : null;
  if ('v' in record && record.v !== FRAME_VERSION) return fail('unsupported-version', `only frame version ${FRAME_VERSION} is supported`, re);
  const frame = requestFrameSchema.safeParse(value);
  if (!frame.success) {
    const key = frame.error.issues[0]?.path[0];
    const where = typeof key === 'string' && knownKeys.has(key) ? ` (field '${key}')` : '';
    return fail('malformed', `frame does not match the schema${where}`, re);
  }
  const { type } = frame.data;
  if (!isRequestType(type)) return fail('unknown-type', 'unknown frame type', re);
  let body;
  try {
    body = requests[type].body.safeParse(frame.data.body);
  } catch {
    return fail('malformed', 'frame body does not match its type', re);
  }
  if (!body.success) {
    const field = body.error.issues[0]?.path.filter((p) => typeof p === 'string').slice(-1)[0];
    const where = typeof field === 'string' && /^[A-Za-z]{1,32}$/.test(field) ? ` (field '${field}')` : '';
    return fail('malformed', `frame body does not match its type${where}`, re);
  }
  return { ok: true, frame: { v: FRAME_VERSION, id: frame.data.id, type, body: body.data } };
}

export const answerOk = (re: string, body: unknown): Answer => ({ v: FRAME_VERSION, re, ok: true, body });
export const answerError = (failure: Pick<FrameFailure, 'code' | 'message' | 're'>): Answer => ({
  v: FRAME_VERSION,
  re: failure.re,
  ok: false,
  error: { code: failure.code, message: failure.message },
});
