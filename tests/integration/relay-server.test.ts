// The relay on loopback, port 0: a real server, real `ws` clients.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { Answer, MAX_FRAME_BYTES, PongBody } from '../../src/relay/frames';
import { createMemoryRelayLogger } from '../../src/relay/log';
import { type Relay, type RelayOptions, startRelay } from '../../src/relay/server';
import { hashSetupToken, verifySetupToken } from '../../src/relay/setup-token';

const dirs: string[] = [];
const relays: Relay[] = [];
const newDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.close()));
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function relay(extra: Partial<RelayOptions> = {}): Promise<Relay> {
  const r = await startRelay({ port: 0, dataDir: newDir(), ...extra });
  relays.push(r);
  return r;
}

type Client = {
  ws: WebSocket;
  answers: Answer[];
  closed: Promise<number>;
  closeCode: number | null;
  send(data: string | Uint8Array, binary?: boolean): void;
  /** Resolves once `n` answers arrived or the socket closed. */
  waitFor(n: number): Promise<void>;
};

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const waiters: (() => void)[] = [];
    const wake = (): void => waiters.splice(0).forEach((w) => w());
    const client: Client = {
      ws,
      answers: [],
      closeCode: null,
      closed: new Promise((done) =>
        ws.on('close', (code) => {
          client.closeCode = code;
          wake();
          done(code);
        }),
      ),
      send: (data, binary = false) => ws.send(data, { binary }),
      waitFor: (n) =>
        new Promise<void>((done) => {
          const check = (): void => {
            if (client.answers.length >= n || client.closeCode !== null) done();
            else waiters.push(check);
          };
          check();
        }),
    };
    ws.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      client.answers.push(Answer.parse(JSON.parse(String(data))));
      wake();
    });
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

async function ping(url: string, id = 'p1'): Promise<Answer> {
  const c = await connect(url);
  c.send(JSON.stringify({ v: 1, id, type: 'ping', body: {} }));
  await c.waitFor(1);
  c.ws.close();
  return c.answers[0]!;
}

describe('relay server', () => {
  it('answers /healthz and 404 elsewhere', async () => {
    const r = await relay({ version: '9.9.9' });
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.port).toBeGreaterThan(0);
    const health = await fetch(`${r.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    expect(await health.json()).toEqual({ ok: true, version: '9.9.9' });
    expect((await fetch(`${r.url}/nope`)).status).toBe(404);
    expect((await fetch(`${r.url}/healthz`, { method: 'POST' })).status).toBe(405);
    await expect(connect(`${r.wsUrl.replace('/ws', '/other')}`)).rejects.toThrow(/404/);
  });

  it('answers ping with pong', async () => {
    const r = await relay();
    const answer = await ping(r.wsUrl, 'abc_1');
    expect(answer).toMatchObject({ v: 1, re: 'abc_1', ok: true });
    expect(PongBody.parse(answer.ok ? answer.body : null).type).toBe('pong');
  });

  it('answers bad frames with typed errors and keeps serving', async () => {
    const logger = createMemoryRelayLogger();
    const r = await relay({ logger });
    const c = await connect(r.wsUrl);
    const frames = [
      '{not json',
      JSON.stringify({ v: 1, id: 'u1', type: 'no-such-type', body: {} }),
      JSON.stringify({ v: 2, id: 'v2', type: 'ping', body: {} }),
      JSON.stringify({ v: 1, id: 'm1', type: 'ping' }),
      JSON.stringify({ v: 1, id: 'ok', type: 'ping', body: {} }),
    ];
    for (const f of frames) c.send(f);
    c.send(new Uint8Array([1, 2, 3]), true);
    await c.waitFor(6);
    expect(c.answers.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual([
      'not-json',
      'unknown-type',
      'unsupported-version',
      'malformed',
      'ok',
      'not-text',
    ]);
    expect(c.answers.map((a) => a.re)).toEqual([null, 'u1', 'v2', 'm1', 'ok', null]);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);

    // An oversize frame gets a typed answer; a far larger one is cut off by ws: close 1009.
    const sized = await connect(r.wsUrl);
    sized.send('x'.repeat(MAX_FRAME_BYTES + 1));
    await sized.waitFor(1);
    expect(sized.answers[0]).toMatchObject({ ok: false, error: { code: 'too-large' } });
    const other = await connect(r.wsUrl);
    other.send('x'.repeat(MAX_FRAME_BYTES * 4 + 1));
    expect(await other.closed).toBe(1009);
    // A frame of exactly the limit is still read (and refused as JSON, not as size).
    c.send(' '.repeat(MAX_FRAME_BYTES - 2) + '{}');
    await c.waitFor(7);
    expect(c.answers[6]).toMatchObject({ ok: false, error: { code: 'malformed' } });
    // The first socket and new sockets still work.
    c.send(JSON.stringify({ v: 1, id: 'again', type: 'ping', body: {} }));
    await c.waitFor(8);
    expect(c.answers[7]).toMatchObject({ ok: true, re: 'again' });
    expect((await ping(r.wsUrl)).ok).toBe(true);
    c.ws.close();
    expect(logger.lines.join('\n')).not.toMatch(/no-such-type|127\.0\.0\.1/);
  });

  it('closes a socket that sends too many bad frames with 1008', async () => {
    const r = await relay({ maxBadFrames: 3 });
    const c = await connect(r.wsUrl);
    for (let i = 0; i < 10; i += 1) c.send('nope');
    expect(await c.closed).toBe(1008);
    expect(c.answers).toHaveLength(3);
    expect((await ping(r.wsUrl)).ok).toBe(true);
  });

  it('never crashes on arbitrary frames: every frame is answered, or the socket is closed by policy', async () => {
    const r = await relay({ maxBadFrames: 4, connectionRate: { capacity: 1000, refillPerSecond: 1000 } });
    const validish = fc
      .record({
        v: fc.oneof(fc.constant(1), fc.jsonValue()),
        id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.string()),
        type: fc.oneof(fc.constantFrom('ping', 'pong', 'auth'), fc.string()),
        body: fc.oneof(fc.constant({}), fc.jsonValue()),
      })
      .map((o) => JSON.stringify(o));
    const frame = fc.oneof(
      { arbitrary: fc.string({ unit: 'binary' }), weight: 3 },
      { arbitrary: fc.json(), weight: 3 },
      { arbitrary: validish, weight: 4 },
      { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
      { arbitrary: fc.constant('x'.repeat(MAX_FRAME_BYTES + 10)), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 10 }), async (frames) => {
        const c = await connect(r.wsUrl);
        for (const f of frames) c.send(f, typeof f !== 'string');
        await c.waitFor(frames.length);
        if (c.answers.length < frames.length) {
          await c.closed;
          expect([1008, 1009]).toContain(c.closeCode);
        } else {
          expect(c.answers).toHaveLength(frames.length);
          c.ws.close();
          await c.closed;
        }
      }),
      { numRuns: 150 },
    );
    expect((await ping(r.wsUrl)).ok).toBe(true);
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
  });

  it('refuses new connections beyond the per-address rate with 429', async () => {
    const r = await relay({ connectionRate: { capacity: 2, refillPerSecond: 0.01 } });
    const a = await connect(r.wsUrl);
    const b = await connect(r.wsUrl);
    await expect(connect(r.wsUrl)).rejects.toThrow(/429/);
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
    a.ws.close();
    b.ws.close();
  });

  it('closes gracefully: sockets get 1001, then nothing is accepted', async () => {
    const logger = createMemoryRelayLogger();
    const r = await startRelay({ port: 0, dataDir: newDir(), logger });
    const clients = await Promise.all([connect(r.wsUrl), connect(r.wsUrl)]);
    const started = performance.now();
    await Promise.all([r.close(), r.close()]);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(await Promise.all(clients.map((c) => c.closed))).toEqual([1001, 1001]);
    await expect(fetch(`${r.url}/healthz`)).rejects.toThrow();
    await expect(connect(r.wsUrl)).rejects.toThrow();
    expect(logger.lines.some((l) => l.includes('"relay.closed"'))).toBe(true);
  });

  it('creates the setup token once and keeps only its hash', async () => {
    const dataDir = join(newDir(), 'state');
    const first = await startRelay({ port: 0, dataDir });
    await first.close();
    const token = first.setupToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dataDir, 'setup.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token!);
    expect(JSON.parse(text)).toMatchObject({ v: 1, algorithm: 'sha256', hash: hashSetupToken(token!) });
    expect(readdirSync(dataDir).filter((f) => !f.startsWith('relay.db'))).toEqual(['setup.json']);

    const second = await startRelay({ port: 0, dataDir });
    await second.close();
    expect(second.setupToken).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(verifySetupToken(dataDir, token!)).toBe(true);
    expect(verifySetupToken(dataDir, 'wrong')).toBe(false);
  });
});
