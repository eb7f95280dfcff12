// Runs in the portal (browser; Node 22 in tests, which has the same WebSocket): one
// WebSocket to the relay at `<origin>/ws`. Frames are `{ v: 1, id, type, body }`; every
// answer is checked against the shared schema for its type before anyone reads it, so a
// misbehaving relay gives a RelayError, never an unchecked value.
import { type PushHandler, RelayError, createFrameClient } from '../../shared/protocol/relay-client';
import { type AnswerBody, type RequestBody, type RequestType } from '../../shared/protocol/relay-frames';

export { RelayError, type RelayErrorCode } from '../../shared/protocol/relay-client';

export type RelaySocket = {
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<AnswerBody<T>>;
  readonly open: boolean;
  close(): void;
};

export type SocketOptions = {
  readonly timeoutMs?: number;
  readonly onPush?: PushHandler;
  readonly onClose?: () => void;
};

/** The relay's WebSocket address for a page served by it: same origin, path /ws. */
/** Node's or the browser's timers, for the shared frame client. */
const hostTimers = { set: (run: () => void, ms: number): unknown => setTimeout(run, ms), clear: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>) };

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
    let closed = false;
    const frames = createFrameClient({ send: (text) => ws.send(text), timeoutMs, timers: hostTimers, onPush: options.onPush, idPrefix: 'p' });
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
        return frames.request(type, body);
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
      frames.failAll(new RelayError('closed', 'The connection to the clinic’s server closed.'));
      options.onClose?.();
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data === 'string') frames.receive(event.data);
    });
  });
}
