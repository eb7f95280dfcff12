// The relay's HTTP + WebSocket server: GET /healthz, WebSocket at /ws, every frame parsed
// by frames.ts before anything looks at it. New WebSocket connections are rate-limited per
// remote address; a socket that keeps sending bad frames is closed with 1008.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Socket } from 'node:net';
import { type Duplex } from 'node:stream';

import { type RawData, WebSocket, WebSocketServer } from 'ws';

import sodium from 'libsodium-wrappers-sumo';

import { type RequestType } from '../shared/protocol/relay-frames';
import { type PushKind, RelayRefusal, type Session, createRelayCore } from './core';
import { createPortalHandler } from './portal-static';
import { type Answer, FRAME_VERSION, MAX_FRAME_BYTES, answerError, answerOk, parseFrame } from './frames';
import { type RelayLogger, silentRelayLogger } from './log';
import { type RateLimitOptions, createRateLimiter } from './rate-limit';
import { ensureSetupToken, verifySetupToken } from './setup-token';
import { type RelayStore } from './store/relay-store';
import { openSqliteRelayStore } from './store/sqlite-store';

/** Frames anyone may send before logging in; each costs a token from the per-address bucket. */
const GUARDED_TYPES: ReadonlySet<RequestType> = new Set(['clinic.setup', 'auth.challenge', 'auth.login', 'invite.redeem', 'enroll.redeem', 'code.challenge', 'code.open']);
export const RELAY_DB_FILE = 'relay.db';

export const RELAY_VERSION = '0.1.0';
/** WebSocket close codes the relay uses. */
export const CloseCode = { goingAway: 1001, policy: 1008, tooBig: 1009 } as const;

export type RelayOptions = {
  readonly port: number;
  readonly host?: string;
  readonly dataDir: string;
  readonly tlsCertPath?: string;
  readonly tlsKeyPath?: string;
  readonly logger?: RelayLogger;
  readonly version?: string;
  /** New WebSocket connections per remote address. */
  readonly connectionRate?: RateLimitOptions;
  /**
   * Behind a reverse proxy on this host: when the connection comes from a loopback address,
   * rate limits use the last address in X-Forwarded-For (the one the proxy added).
   */
  readonly trustProxy?: boolean;
  /** Setup, login and redemption frames per remote address. */
  readonly authRate?: RateLimitOptions;
  /** The store; by default SQLite at `<dataDir>/relay.db`, closed with the relay. */
  readonly store?: RelayStore;
  readonly now?: () => number;
  /** Refused frames (other than unknown types) a socket may send before it is closed. */
  readonly maxBadFrames?: number;
  /** How long close() waits for sockets to finish their closing handshake. */
  readonly closeTimeoutMs?: number;
  /** The built patient portal (`out/portal`) to serve at `/`; without it, only /healthz and /ws. */
  readonly portalDir?: string;
};
export type Relay = {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** The one-time setup token, only on the start that created it. */
  readonly setupToken?: string;
  /** Runs the retention sweep now (it also runs at start and every hour). */
  sweep(): Promise<{ messages: number; blobs: number }>;
  close(): Promise<void>;
};

const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
};
const pathOf = (req: IncomingMessage): string => (req.url ?? '/').split('?')[0] ?? '/';
const refuseUpgrade = (socket: Duplex, status: string, extra = ''): void => {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n${extra}\r\n`);
  socket.destroy();
};
const rawSize = (data: RawData): number => (Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength);
const rawBytes = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** The address rate limits count against: the proxy's forwarded one only when trusted. */
export function clientAddress(req: IncomingMessage, remote: string, trustProxy: boolean): string {
  if (!trustProxy || !LOOPBACK.test(remote)) return remote;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  const last = value?.split(',').map((part) => part.trim()).filter(Boolean).pop();
  return last && last.length <= 64 ? last : remote;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const log = options.logger ?? silentRelayLogger;
  const version = options.version ?? RELAY_VERSION;
  const maxBadFrames = options.maxBadFrames ?? 8;
  const closeTimeoutMs = options.closeTimeoutMs ?? 2000;
  const limiter = createRateLimiter(options.connectionRate ?? { capacity: 20, refillPerSecond: 1 });
  const tls = options.tlsCertPath !== undefined && options.tlsKeyPath !== undefined;
  if ((options.tlsCertPath === undefined) !== (options.tlsKeyPath === undefined)) throw new Error('TLS needs both a certificate and a key');

  const { token } = ensureSetupToken(options.dataDir, (options.now ?? Date.now)());
  if (token) log.info('setup.token-created');
  await sodium.ready;
  const store = options.store ?? (await openSqliteRelayStore(join(options.dataDir, RELAY_DB_FILE)));
  const ownsStore = options.store === undefined;
  const authLimiter = createRateLimiter(options.authRate ?? { capacity: 30, refillPerSecond: 1 });
  const core = createRelayCore({
    store,
    sodium,
    log,
    checkSetupToken: (presented) => verifySetupToken(options.dataDir, presented),
    ...(options.now ? { now: options.now } : {}),
  });

  const portal = options.portalDir ? createPortalHandler(options.portalDir) : null;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req);
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false, error: { code: 'method-not-allowed' } }, { allow: 'GET, HEAD' });
      return sendJson(res, 200, { ok: true, version });
    }
    if (portal) return void portal(req, res, path).catch(() => res.destroy());
    sendJson(res, 404, { ok: false, error: { code: 'not-found' } });
  };
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(options.tlsCertPath as string), key: readFileSync(options.tlsKeyPath as string) }, onRequest)
    : createHttpServer(onRequest);
  server.on('clientError', (_error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    socket.destroy();
  });

  // Up to 4× the frame limit is read so an oversize frame gets a typed 'too-large' answer;
  // beyond that ws closes the socket with 1009 before buffering more.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES * 4, clientTracking: true });
  let closing = false;
  let storeClosed = false;
  /** The last frame of each socket still being handled: shutdown waits for them. */
  const inFlight = new Set<Promise<void>>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (closing) return refuseUpgrade(socket, '503 Service Unavailable');
    if (pathOf(req) !== '/ws') return refuseUpgrade(socket, '404 Not Found');
    const address = clientAddress(req, (socket as Socket).remoteAddress ?? 'unknown', options.trustProxy === true);
    if (!limiter.take(address)) {
      log.warn('ws.refused', { code: 'rate-limited', status: 429 });
      return refuseUpgrade(socket, '429 Too Many Requests', `retry-after: ${limiter.retryAfterSeconds(address)}\r\n`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, address));
  });

  const onConnection = (ws: WebSocket, address: string): void => {
    const opened = Date.now();
    let frames = 0;
    let bad = 0;
    log.info('ws.open');
    const send = (answer: Answer): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(answer));
    };
    let queue: Promise<void> = Promise.resolve();
    const session: Session = {
      challenge: null,
      device: null,
      push: (kind: PushKind, relaySeq: number) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: FRAME_VERSION, push: kind, body: { relaySeq } }));
      },
      kick: (reason: string) => ws.close(CloseCode.policy, reason),
    };
    core.attach(session);
    ws.on('error', (error: Error & { code?: string }) => {
      log.warn('ws.error', { code: error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-large' : (error.code ?? 'error') });
    });
    ws.on('close', (code: number) => {
      core.detach(session);
      log.info('ws.close', { closeCode: code, count: frames, ms: Date.now() - opened });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const started = performance.now();
      frames += 1;
      const bytes = rawSize(data);
      const parsed = parseFrame(rawBytes(data), isBinary);
      if (!parsed.ok) {
        log.info('frame.refused', { code: parsed.code, bytes });
        const closeAfter = parsed.code !== 'unknown-type' && ++bad >= maxBadFrames;
        // Answers keep the order of the frames, so refusals wait behind frames still in hand.
        queue = queue.then(() => {
          send(answerError(parsed));
          if (closeAfter) {
            log.warn('ws.policy-close', { code: 'too-many-bad-frames', count: bad });
            ws.close(CloseCode.policy, 'too many bad frames');
          }
        });
        return;
      }
      const { frame } = parsed;
      if (GUARDED_TYPES.has(frame.type) && !authLimiter.take(address)) {
        log.warn('frame.refused', { code: 'rate-limited', type: frame.type });
        const retry = authLimiter.retryAfterSeconds(address);
        queue = queue.then(() => send(answerError({ code: 'rate-limited', message: `too many attempts; try again in ${retry} s`, re: frame.id })));
        return;
      }
      // One frame at a time per socket: a login is settled before the next frame is read.
      queue = queue.then(async () => {
        if (closing && storeClosed) return;
        try {
          const body = await core.handle(session, frame.type, frame.body);
          send(answerOk(frame.id, body));
          log.info('frame.answered', { type: frame.type, bytes, ms: performance.now() - started });
        } catch (error) {
          if (error instanceof RelayRefusal) {
            log.info('frame.refused', { type: frame.type, code: error.code, ms: performance.now() - started });
            send(answerError({ code: error.code, message: error.message, re: frame.id }));
          } else {
            log.error('frame.failed', { type: frame.type, code: 'internal' });
            send(answerError({ code: 'internal', message: 'the relay could not handle this frame', re: frame.id }));
          }
        }
      });
      const tracked = queue;
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info('relay.listening', { port: address.port, tls, version });

  const sweep = () => core.sweep();
  const swept = (): void => {
    sweep().catch((error: unknown) => log.warn('retention.failed', { code: error instanceof Error ? error.name : 'error' }));
  };
  swept();
  const sweeper = setInterval(swept, 3_600_000);
  sweeper.unref();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      const started = Date.now();
      closing = true;
      clearInterval(sweeper);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              const timer = setTimeout(() => ws.terminate(), closeTimeoutMs);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(CloseCode.goingAway, 'relay shutting down');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await serverClosed;
      await Promise.allSettled([...inFlight]);
      storeClosed = true;
      if (ownsStore) await store.close();
      log.info('relay.closed', { ms: Date.now() - started, count: sockets.length });
    })();
    return closed;
  };

  return {
    url: `${tls ? 'https' : 'http'}://${hostForUrl}:${address.port}`,
    wsUrl: `${tls ? 'wss' : 'ws'}://${hostForUrl}:${address.port}/ws`,
    port: address.port,
    ...(token ? { setupToken: token } : {}),
    sweep,
    close,
  };
}
