// Runs in main (Node): one WebSocket to the clinic relay. Requests are answered in order;
// every answer is checked against the shared schema for its type before anyone reads it, so
// a misbehaving relay yields a RelayError, never an unchecked value.
import { WebSocket } from 'ws';

import { type AnswerBody, type RequestBody, type RequestType } from '../../shared/protocol/relay-frames';
import { type PushHandler, RelayError, createFrameClient } from '../../shared/protocol/relay-client';

export { RelayError, type RelayErrorCode, type PushHandler } from '../../shared/protocol/relay-client';

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

/** Node's or the browser's timers, for the shared frame client. */
const hostTimers = { set: (run: () => void, ms: number): unknown => setTimeout(run, ms), clear: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>) };

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
  let closed = false;
  const frames = createFrameClient({ send: (text) => ws.send(text), timeoutMs, timers: hostTimers, onPush: options.onPush });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    closed = true;
    frames.failAll(new RelayError('closed', 'The connection to the clinic’s server closed.'));
    options.onClose?.();
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) frames.receive(String(data));
  });

  return {
    get open() {
      return !closed && ws.readyState === WebSocket.OPEN;
    },
    request(type, body) {
      if (closed || ws.readyState !== WebSocket.OPEN) return Promise.reject(new RelayError('closed', 'The connection to the clinic’s server is closed.'));
      return frames.request(type, body);
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
