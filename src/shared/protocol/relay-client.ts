// Runs anywhere: the client side of the relay's frames (ADR 10, "Transport"), shared by the
// desktop app (Node, `ws`) and the patient portal (the browser's WebSocket). Each keeps only
// its socket; what is sent, how answers are matched to requests, checked against the shared
// schema for their type, timed out, and how pushes are told apart, lives here once.
import {
  type AnswerBody,
  type AnswerErrorCode,
  FRAME_VERSION,
  type RequestBody,
  type RequestType,
  answerSchema,
  pushSchema,
  requests,
} from './relay-frames';

/** Codes the relay sends, plus what can go wrong on this side of the wire. */
export type RelayErrorCode = AnswerErrorCode | 'offline' | 'timeout' | 'bad-answer' | 'closed';

export class RelayError extends Error {
  constructor(
    readonly code: RelayErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RelayError';
  }
  /** Worth trying again later, unchanged: the relay or the network failed, not the request. */
  get transient(): boolean {
    return ['offline', 'timeout', 'closed', 'internal', 'rate-limited', 'bad-answer'].includes(this.code);
  }
}

export type PushHandler = (kind: 'sync' | 'directory' | 'alerts', relaySeq: number) => void;

export type FrameClient = {
  /** Sends a request; its answer, checked against the request type's schema. */
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<AnswerBody<T>>;
  /** Hands over one text frame the socket received. */
  receive(text: string): void;
  /** Fails every request still waiting (the socket closed). */
  failAll(error: RelayError): void;
};

/** The host's timers (shared code sees neither Node's nor the DOM's). */
export type Timers = { readonly set: (run: () => void, ms: number) => unknown; readonly clear: (handle: unknown) => void };

type Pending = { resolve: (value: unknown) => void; reject: (error: RelayError) => void; type: RequestType; timer: unknown };

export function createFrameClient(options: {
  readonly send: (text: string) => void;
  readonly timeoutMs: number;
  readonly timers: Timers;
  readonly onPush?: PushHandler | undefined;
  readonly idPrefix?: string;
}): FrameClient {
  const { timers } = options;
  const pending = new Map<string, Pending>();
  let counter = 0;
  const prefix = options.idPrefix ?? 'r';
  return {
    request(type, body) {
      counter += 1;
      const id = `${prefix}${counter}`;
      return new Promise((resolve, reject) => {
        const timer = timers.set(() => {
          pending.delete(id);
          reject(new RelayError('timeout', 'The clinic’s server did not answer in time.'));
        }, options.timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, type, timer });
        options.send(JSON.stringify({ v: FRAME_VERSION, id, type, body }));
      });
    },
    receive(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return;
      }
      const push = pushSchema.safeParse(value);
      if (push.success) {
        options.onPush?.(push.data.push, push.data.body.relaySeq);
        return;
      }
      const answer = answerSchema.safeParse(value);
      if (!answer.success || answer.data.re === null) return;
      const waiting = pending.get(answer.data.re);
      if (!waiting) return;
      pending.delete(answer.data.re);
      timers.clear(waiting.timer);
      if (!answer.data.ok) return waiting.reject(new RelayError(answer.data.error.code, answer.data.error.message));
      const body = requests[waiting.type].answer.safeParse(answer.data.body);
      if (!body.success) return waiting.reject(new RelayError('bad-answer', 'The clinic’s server sent an answer this version does not understand.'));
      waiting.resolve(body.data);
    },
    failAll(error) {
      for (const [id, p] of pending) {
        timers.clear(p.timer);
        pending.delete(id);
        p.reject(error);
      }
    },
  };
}
