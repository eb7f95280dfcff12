// Attachments through kill -9 (ADR 19). A clinician's computer is killed while it uploads a
// file, then while it downloads one; started again, each resumes from the last chunk the
// relay (for an upload) or its own store (for a download) holds: the relay keeps each chunk
// once, the message arrives once, and the bytes at the other end are the bytes sent.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3-multiple-ciphers';
import sodium from 'libsodium-wrappers-sumo';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chunkCount } from '../../src/shared/protocol/attachments';
import { type HeadlessClinic, openDevice, startHeadlessClinic } from '../../tools/headless';
import { fakeJpeg, fakePdf, memoryFile } from '../support/files';
import { childEnv } from '../support/child-env';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'node_modules', '.cache', `attachment-worker-${process.pid}`);
const SIZE = 12 * 1024 * 1024;
const CHUNKS = chunkCount(SIZE);

let dir: string;
let c: HeadlessClinic;

beforeAll(async () => {
  await sodium.ready;
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    build: { ssr: true, outDir, emptyOutDir: true, minify: false, target: 'node22', rollupOptions: { input: { worker: join(root, 'tests', 'support', 'attachment-worker.ts') }, output: { format: 'es', entryFileNames: '[name].mjs' } } },
  });
  dir = mkdtempSync(join(tmpdir(), 'cm-attach-crash-'));
  c = await startHeadlessClinic({ dir });
  const rules = (await c.admin.client.verifiedDirectory(true)).rules!;
  await c.admin.client.publishPolicy({ ...rules, attachments: { ...rules.attachments, maxMegabytes: 32 }, security: { ...rules.security, patientAttachments: true } });
}, 120_000);

afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

function chunksAtRelay(blobId: string): number {
  const db = new Database(join(c.relayDir, 'relay.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM blob_chunks WHERE blob_id = ?').get(blobId) as { n: number }).n;
  } finally {
    db.close();
  }
}

function run(args: string[], killWhen: (output: string) => boolean): Promise<{ signal: string | null; output: string }> {
  const child = spawn(process.execPath, [join(outDir, 'worker.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  let output = '';
  let killed = false;
  const check = () => {
    if (!killed && killWhen(output)) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  child.stdout.on('data', (chunk) => {
    output += String(chunk);
    check();
  });
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const poll = setInterval(check, 2);
  return new Promise((r) =>
    child.once('exit', (_code, signal) => {
      clearInterval(poll);
      r({ signal, output });
    }),
  );
}

describe('attachments killed with SIGKILL', () => {
  it('an upload resumes from the last chunk the relay holds, and the message arrives once', { timeout: 180_000 }, async () => {
    const dr = await c.addStaff('dr', 'clinician');
    const ana = await c.addPatient('ana', 'pat-ana', c.admin, ['clinical', 'attachments']);
    const bytes = fakePdf(SIZE, 'scan-sample-upload-0001');
    const staged = await dr.client.attachments.stage({ patientId: 'pat-ana', name: 'scan.pdf', bytes, alreadyStaged: 0 });
    await dr.client.close();

    const { signal, output } = await run(['upload', c.devicesDir, 'dr', Buffer.from(dr.key).toString('hex'), 'pat-ana', staged.blobId], () => {
      const n = chunksAtRelay(staged.blobId);
      return n >= 8;
    });
    expect(signal, output).toBe('SIGKILL');
    const before = chunksAtRelay(staged.blobId);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(CHUNKS);

    const again = await openDevice(c.devicesDir, 'dr', dr.key);
    // The killed process may have set the next attempt a moment ahead (its clock, under
    // faketime, restarted a second later): flush until it is due.
    const due = Date.now() + 5000;
    for (;;) {
      await again.client.flushOutbox();
      if (again.client.outboxSize() === 0 || Date.now() > due) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(chunksAtRelay(staged.blobId)).toBe(CHUNKS);
    const mine = again.client.messages('pat-ana').filter((m) => m.body === 'Your scan, as promised.');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.state).toMatch(/sent|delivered/);
    await again.client.close();

    await ana.sync();
    const got = ana.messages().filter((m) => m.body === 'Your scan, as promised.');
    expect(got).toHaveLength(1);
    const opened = await ana.client.openAttachment(got[0]?.messageId as string, staged.blobId);
    expect(Buffer.concat(opened.parts).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a download resumes from the last chunk the computer stored, and the file checks whole', { timeout: 180_000 }, async () => {
    const dr2 = await c.addStaff('dr2', 'clinician');
    const ben = await c.addPatient('ben', 'pat-ben', c.admin, ['clinical', 'attachments']);
    await ben.verifiedDirectory();
    await dr2.client.close();
    const bytes = fakeJpeg(SIZE, 'wound-sample-download-01');
    const sent = await ben.client.send('A large photo.', { files: [memoryFile('wound.jpg', 'image/jpeg', bytes)] });
    await ben.client.flush();
    const blobId = sent.attachments?.[0]?.blobId as string;
    expect(chunksAtRelay(blobId)).toBe(CHUNKS);

    const { signal, output } = await run(['download', c.devicesDir, 'dr2', Buffer.from(dr2.key).toString('hex')], (out) => {
      const held = [...out.matchAll(new RegExp(`held ${blobId} (\\d+)`, 'g'))].map((m) => Number(m[1]));
      return (held.at(-1) ?? 0) >= 8;
    });
    expect(signal, output).toBe('SIGKILL');

    const again = await openDevice(c.devicesDir, 'dr2', dr2.key);
    const partial = again.client.local.attachments.get(blobId);
    expect(partial?.state).toBe('fetching');
    expect(partial?.held).toBeGreaterThan(0);
    expect(partial?.held).toBeLessThan(CHUNKS);
    await again.client.sync();
    await again.client.attachments.fetchPending();
    expect(again.client.local.attachments.get(blobId)?.state).toBe('ready');
    expect(Buffer.from(again.client.attachments.open(blobId).bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(again.client.messages('pat-ben').filter((m) => m.body === 'A large photo.')).toHaveLength(1);
    await again.client.close();
  });
});
