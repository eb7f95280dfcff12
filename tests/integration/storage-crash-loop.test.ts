// A writer is killed with SIGKILL at random moments, 20 times on the same file: every write
// it acknowledged must still be there, whole, and the database must check clean.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { randomBytes } from '../../src/main/crypto/sodium';
import { openClientStore } from '../../src/main/network/client-store';
import { openEncrypted } from '../../src/main/storage/open-encrypted';

const writer = fileURLToPath(new URL('../support/crash-writer.mjs', import.meta.url));
const rounds = 20;

const dir = mkdtempSync(join(tmpdir(), 'crash-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the writer, lets it commit for a random moment after its first acknowledgement, kills it, returns what it acknowledged. */
async function writeUntilKilled(file: string, keyHex: string, prefix: string): Promise<string[]> {
  const child = spawn(process.execPath, [writer, file, keyHex, 'p1', prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  child.stderr.on('data', (chunk: string) => (err += chunk));
  // 'close' comes after the pipes are drained, so nothing printed before the kill is lost.
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));

  const started = Date.now();
  while (!out.includes(`${prefix}-0\n`)) {
    if (child.exitCode !== null) throw new Error(`The writer stopped by itself: ${err.slice(0, 500)}`);
    if (Date.now() - started > 10_000) throw new Error('The writer did not start writing within 10 s.');
    await sleep(2);
  }
  await sleep(Math.floor(Math.random() * 120));
  child.kill('SIGKILL');
  expect(await closed).toBe('SIGKILL');
  // Only whole lines were acknowledged; a cut-off last line was not.
  return out.split('\n').slice(0, -1).filter((line) => line.startsWith(`${prefix}-`));
}

describe('crash loop', () => {
  it(`keeps every acknowledged write across ${rounds} kill -9s on the same file`, { timeout: 60_000 }, async () => {
    const started = performance.now();
    // The device store, where the inbox's messages and conversation summaries live.
    const file = join(dir, 'network.db');
    const key = randomBytes(32);
    openClientStore(file, key).close();

    const acknowledged: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      acknowledged.push(...(await writeUntilKilled(file, Buffer.from(key).toString('hex'), `r${round}`)));
    }

    const raw = openEncrypted(file, key, { mustExist: true });
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(raw.pragma('foreign_key_check')).toEqual([]);
    } finally {
      raw.close();
    }
    const store = openClientStore(file, key);
    try {
      const stored = new Set(store.messages('p1').map((m) => m.messageId));
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      // Each transaction wrote a message and bumped the conversation's unread count: both or neither.
      expect(store.inbox.conversation('p1')?.unread).toBe(stored.size);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`crash loop: ${rounds} kills, ${acknowledged.length} acknowledged, ${stored.size} stored, ${seconds} s`);
    } finally {
      store.close();
    }
  });
});
