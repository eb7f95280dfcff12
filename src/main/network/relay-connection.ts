// Runs in main (Node): one WebSocket to the clinic relay. Requests are answered in order;
// every answer is checked against the shared schema for its type before anyone reads it, so
// a misbehaving relay yields a RelayError, never an unchecked value.
import { WebSocket } from 'ws';

import {
  type AnswerBody,
  type AnswerErrorCode,
  FRAME_VERSION,
  type RequestBody,
  type RequestType,
  answerSchema,
  pushSchema,
  requests,
} from '../../shared/protocol/relay-frames';

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

export type PushHandler = (kind: 'sync' | 'directory', relaySeq: number) => void;

export type RelayConnection = {
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<AnswerBody<T>>;
  readonly open: boolean;
  close(): Promise<void>;
};

export type ConnectOptions = {
  readonly timeoutMs?: number;
  readonly onPush?: PushHandler;
  readonly onClose?: () => void;
  /** Extra CA certificates (PEM) for a relay with a private certificate. */
  readonly ca?: string;
};

/** The largest answer this client reads. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

type Pending = { resolve: (value: unknown) => void; reject: (error: RelayError) => void; type: RequestType; timer: NodeJS.Timeout };

export function relayWsUrl(relayUrl: string): string {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    throw new RelayError('offline', 'The relay address is not a valid URL.');
  }
  if (url.protocol === 'http:' || url.protocol === 'ws:') url.protocol = 'ws:';
  else if (url.protocol === 'https:' || url.protocol === 'wss:') url.protocol = 'wss:';
  else throw new RelayError('offline', 'The relay address must start with https:// (or http:// on this computer).');
  if (!url.pathname.endsWith('/ws')) url.pathname = `${url.pathname.replace(/\/$/, '')}/ws`;
  return url.toString();
}

export async function connectRelay(relayUrl: string, options: ConnectOptions = {}): Promise<RelayConnection> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  // Answers can be larger than request frames (the directory of a big clinic): 64 MiB at most.
  const ws = new WebSocket(relayWsUrl(relayUrl), { maxPayload: MAX_ANSWER_BYTES, handshakeTimeout: timeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', () => reject(new RelayError('offline', 'The relay cannot be reached.')));
  });
  const pending = new Map<string, Pending>();
  let counter = 0;
  let closed = false;

  const failAll = (error: RelayError): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(error);
    }
  };
  ws.on('error', () => undefined);
  ws.on('close', () => {
    closed = true;
    failAll(new RelayError('closed', 'The connection to the relay closed.'));
    options.onClose?.();
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let value: unknown;
    try {
      value = JSON.parse(String(data));
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
    clearTimeout(waiting.timer);
    if (!answer.data.ok) return waiting.reject(new RelayError(answer.data.error.code, answer.data.error.message));
    const body = requests[waiting.type].answer.safeParse(answer.data.body);
    if (!body.success) return waiting.reject(new RelayError('bad-answer', 'The relay sent an answer this app does not understand.'));
    waiting.resolve(body.data);
  });

  return {
    get open() {
      return !closed && ws.readyState === WebSocket.OPEN;
    },
    request(type, body) {
      if (closed || ws.readyState !== WebSocket.OPEN) return Promise.reject(new RelayError('closed', 'The connection to the relay is closed.'));
      counter += 1;
      const id = `r${counter}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new RelayError('timeout', 'The relay did not answer in time.'));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, type, timer });
        ws.send(JSON.stringify({ v: FRAME_VERSION, id, type, body }));
      });
    },
    async close() {
      if (closed) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(1000);
      });
    },
  };
}
