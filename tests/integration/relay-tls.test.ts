// The relay over TLS with a throw-away self-signed certificate (skipped without openssl).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { startRelay } from '../../src/relay/server';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'relay-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasOpenssl)('relay over TLS', () => {
  it('serves /healthz over https and frames over wss', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    const ca = readFileSync(cert);
    const relay = await startRelay({ port: 0, dataDir: join(dir, 'data'), tlsCertPath: cert, tlsKeyPath: key });
    try {
      expect(relay.url).toMatch(/^https:\/\//);
      expect(relay.wsUrl).toMatch(/^wss:\/\/.*\/ws$/);
      const health = await new Promise<string>((resolve, reject) => {
        get(`${relay.url}/healthz`, { ca }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(JSON.parse(health)).toMatchObject({ ok: true });
      const answer = await new Promise<unknown>((resolve, reject) => {
        const ws = new WebSocket(relay.wsUrl, { ca });
        ws.on('open', () => ws.send(JSON.stringify({ v: 1, id: 't1', type: 'ping', body: {} })));
        ws.on('message', (data) => {
          resolve(JSON.parse(String(data)));
          ws.close();
        });
        ws.on('error', reject);
      });
      expect(answer).toMatchObject({ v: 1, re: 't1', ok: true, body: { type: 'pong' } });
    } finally {
      await relay.close();
    }
  });
});
