import { type IncomingMessage } from 'node:http';

import { describe, expect, it } from 'vitest';

import { RelayConfigError, parseRelayConfig } from './config';
import { MAX_FRAME_BYTES, parseFrame } from './frames';
import { createMemoryRelayLogger, formatRelayLine } from './log';
import { createRateLimiter } from './rate-limit';
import { clientAddress } from './server';

describe('relay config', () => {
  it('reads arguments over the environment, with defaults', () => {
    expect(parseRelayConfig(['--data-dir', '/d'], {})).toEqual({ port: 7443, host: '127.0.0.1', dataDir: '/d' });
    expect(parseRelayConfig(['--port=0'], { RELAY_PORT: '9', RELAY_DATA_DIR: '/e', RELAY_HOST: '::1' })).toEqual({
      port: 0,
      host: '::1',
      dataDir: '/e',
    });
    expect(parseRelayConfig(['--data-dir', '/d', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'])).toMatchObject({
      tlsCertPath: 'c.pem',
      tlsKeyPath: 'k.pem',
    });
  });

  it.each([
    [['--port', '70000', '--data-dir', '/d'], /--port \/ RELAY_PORT must be from 0 to 65535/],
    [['--port', 'abc', '--data-dir', '/d'], /must be a whole number/],
    [[], /--data-dir \/ RELAY_DATA_DIR is required/],
    [['--data-dir'], /--data-dir needs a value/],
    [['--bogus', '--data-dir', '/d'], /unknown argument '--bogus'/],
    [['--data-dir', '/d', '--tls-cert', 'c.pem'], /TLS needs both/],
    [['--data-dir', ' '], /must not be empty/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseRelayConfig(argv, {})).toThrow(RelayConfigError);
    expect(() => parseRelayConfig(argv, {})).toThrow(message);
  });
});

describe('frame parser', () => {
  const ok = { v: 1, id: 'a1', type: 'ping', body: {} };
  it('accepts a ping', () => {
    expect(parseFrame(JSON.stringify(ok))).toEqual({ ok: true, frame: ok });
    expect(parseFrame(new TextEncoder().encode(JSON.stringify(ok)))).toMatchObject({ ok: true });
  });
  it.each([
    ['x'.repeat(MAX_FRAME_BYTES + 1), 'too-large', null],
    ['{', 'not-json', null],
    ['[]', 'malformed', null],
    [JSON.stringify({ ...ok, v: 2 }), 'unsupported-version', 'a1'],
    [JSON.stringify({ ...ok, id: 'bad id' }), 'malformed', null],
    [JSON.stringify({ v: 1, id: 'a1', type: 'ping' }), 'malformed', 'a1'],
    [JSON.stringify({ ...ok, extra: 'patient-name' }), 'malformed', 'a1'],
    [JSON.stringify({ ...ok, type: 'nope' }), 'unknown-type', 'a1'],
    [JSON.stringify({ ...ok, body: { x: 1 } }), 'malformed', 'a1'],
  ])('refuses %#', (text, code, re) => {
    const result = parseFrame(text);
    expect(result).toMatchObject({ ok: false, code, re });
    expect(JSON.stringify(result)).not.toContain('patient-name');
  });
  it('checks size in bytes before parsing, and refuses binary and bad UTF-8', () => {
    const multiByte = JSON.stringify({ ...ok, body: { s: 'é'.repeat(MAX_FRAME_BYTES / 2) } });
    expect(multiByte.length).toBeLessThan(MAX_FRAME_BYTES * 2);
    expect(parseFrame(multiByte)).toMatchObject({ code: 'too-large' });
    expect(parseFrame(new Uint8Array([0xff, 0xfe]))).toMatchObject({ code: 'not-json' });
    expect(parseFrame(new TextEncoder().encode(JSON.stringify(ok)), true)).toMatchObject({ code: 'not-text' });
  });
});

describe('rate limiter', () => {
  it('refills over time and stays bounded', () => {
    let t = 0;
    const limiter = createRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 3, now: () => t });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false]);
    expect(limiter.retryAfterSeconds('a')).toBe(1);
    expect(limiter.take('b')).toBe(true);
    t = 1000;
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    for (const k of ['c', 'd', 'e', 'f']) limiter.take(k);
    expect(limiter.size).toBeLessThanOrEqual(3);
  });
});

describe('relay log', () => {
  it('writes one JSON line with only allowed, cleaned fields', () => {
    const line = formatRelayLine('info', 'frame.refused', { code: 'not json "x"\n', bytes: 12, ...({ body: 'secret' } as object) });
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'info', event: 'frame.refused', code: 'not_json__x__', bytes: 12 });
    expect(line).not.toContain('secret');
    const memory = createMemoryRelayLogger();
    memory.warn('x', { ms: 1.23456 });
    expect(JSON.parse(memory.lines[0]!)).toMatchObject({ level: 'warn', ms: 1.235 });
  });
});

describe('reverse proxy address', () => {
  const req = (forwarded?: string) => ({ headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

  it('uses the forwarded address only from a loopback proxy that is trusted', () => {
    expect(clientAddress(req('203.0.113.7'), '127.0.0.1', true)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.1, 203.0.113.7'), '::1', true)).toBe('203.0.113.7');
    expect(clientAddress(req('203.0.113.7'), '127.0.0.1', false)).toBe('127.0.0.1');
    expect(clientAddress(req('203.0.113.7'), '198.51.100.2', true)).toBe('198.51.100.2');
    expect(clientAddress(req(), '127.0.0.1', true)).toBe('127.0.0.1');
  });

  it('reads --trust-proxy yes/no and refuses anything else', () => {
    expect(parseRelayConfig(['--data-dir', '/d', '--trust-proxy', 'yes']).trustProxy).toBe(true);
    expect(parseRelayConfig(['--data-dir', '/d'], { RELAY_TRUST_PROXY: 'no' }).trustProxy).toBe(false);
    expect(() => parseRelayConfig(['--data-dir', '/d', '--trust-proxy', 'maybe'])).toThrow(/must be yes or no/);
  });
});
