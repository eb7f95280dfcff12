// Runs in the portal (browser; Node 22 in tests, which has the same WebSocket): one
// WebSocket to the relay at `<origin>/ws`. Frames are `{ v: 1, id, type, body }`; every
// answer is checked against the shared schema for its type before anyone reads it, so a
// misbehaving relay gives a RelayError, never an unchecked value.
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

export type RelaySocket = {
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<AnswerBody<T>>;
  readonly open: boolean;
  close(): void;
};

export type SocketOptions = {
  readonly timeoutMs?: number;
  readonly onPush?: (kind: 'sync' | 'directory') => void;
  readonly onClose?: () => void;
};

/** The relay's WebSocket address for a page served by it: same origin, path /ws. */
export function wsUrlFor(origin: string): string {
  const url = new URL(origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/ws';
  url.search = '';
  url.hash = '';
  return url.toString();
}

export function openRelaySocket(wsUrl: string, options: SocketOptions = {}): Promise<RelaySocket> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolveOpen, rejectOpen) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsUrl);
    } catch {
      rejectOpen(new RelayError('offline', 'The clinic’s server cannot be reached.'));
      return;
    }
    const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: RelayError) => void; type: RequestType; timer: ReturnType<typeof setTimeout> }>();
    let counter = 0;
    let closed = false;
    const openTimer = setTimeout(() => {
      ws.close();
      rejectOpen(new RelayError('offline', 'The clinic’s server did not answer.'));
    }, timeoutMs);

    const socket: RelaySocket = {
      get open() {
        return !closed && ws.readyState === WebSocket.OPEN;
      },
      request(type, body) {
        if (!socket.open) return Promise.reject(new RelayError('closed', 'The connection to the clinic’s server is closed.'));
        counter += 1;
        const id = `p${counter}`;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new RelayError('timeout', 'The clinic’s server did not answer in time.'));
          }, timeoutMs);
          pending.set(id, { resolve: resolve as (v: unknown) => void, reject, type, timer });
          ws.send(JSON.stringify({ v: FRAME_VERSION, id, type, body }));
        });
      },
      close() {
        if (!closed) ws.close(1000);
      },
    };

    ws.addEventListener('open', () => {
      clearTimeout(openTimer);
      resolveOpen(socket);
    });
    ws.addEventListener('error', () => {
      clearTimeout(openTimer);
      rejectOpen(new RelayError('offline', 'The clinic’s server cannot be reached.'));
    });
    ws.addEventListener('close', () => {
      clearTimeout(openTimer);
      rejectOpen(new RelayError('offline', 'The clinic’s server cannot be reached.'));
      if (closed) return;
      closed = true;
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(id);
        p.reject(new RelayError('closed', 'The connection to the clinic’s server closed.'));
      }
      options.onClose?.();
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        return;
      }
      const push = pushSchema.safeParse(value);
      if (push.success) {
        options.onPush?.(push.data.push);
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
      if (!body.success) return waiting.reject(new RelayError('bad-answer', 'The clinic’s server sent an answer this page does not understand.'));
      waiting.resolve(body.data);
    });
  });
}
