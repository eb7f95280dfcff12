// The files a device holds (ADR 19): sealed chunks in a file per blob beside the encrypted
// store, written in place and counted only once flushed; a staged file is bound to its message,
// staged again when that message was refused; removing a file or a message's files removes
// the chunks from disk; a staged file never sent expires.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ATTACHMENT_CHUNK_BYTES, openAll, sealAll } from '../../shared/protocol/attachments';
import { type ClientStore, openClientStore } from './client-store';

const dirs: string[] = [];
const stores: ClientStore[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function fresh(): { store: ClientStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cm-attachment-state-'));
  dirs.push(dir);
  const file = join(dir, 'network.db');
  const store = openClientStore(file, new Uint8Array(32).fill(5));
  stores.push(store);
  return { store, file };
}
const sealed = (id: string, size: number) => {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.min(size, 65536)));
  const whole = new Uint8Array(size);
  for (let at = 0; at < size; at += bytes.length) whole.set(bytes.subarray(0, Math.min(bytes.length, size - at)), at);
  return { bytes: whole, ...sealAll(sodium, `b${id.padEnd(24, 'x')}`, whole, 'scan.pdf', 'application/pdf') };
};

describe('attachment state', () => {
  it('keeps a received file’s chunks in order, flushed beside the store, and reads them back', () => {
    const { store, file } = fresh();
    const f = sealed('recv', 2 * ATTACHMENT_CHUNK_BYTES + 100);
    store.attachments.expect('m1', 'pat-1', [f.ref], true, 1);
    expect(store.attachments.fetching().map((a) => a.blobId)).toEqual([f.ref.blobId]);
    store.attachments.writeChunk(f.ref.blobId, 0, f.chunks[0] as Uint8Array);
    // Written but not flushed and counted: not held yet.
    expect(store.attachments.get(f.ref.blobId)?.held).toBe(0);
    expect(store.attachments.chunk(f.ref.blobId, 0)).toBeNull();
    store.attachments.commitChunks(f.ref.blobId, 1);
    expect(store.attachments.get(f.ref.blobId)?.held).toBe(1);
    expect(store.attachments.chunk(f.ref.blobId, 1)).toBeNull();
    store.attachments.writeChunk(f.ref.blobId, 1, f.chunks[1] as Uint8Array);
    store.attachments.writeChunk(f.ref.blobId, 2, f.chunks[2] as Uint8Array);
    store.attachments.commitChunks(f.ref.blobId, 3);
    // Never fewer than already counted.
    store.attachments.commitChunks(f.ref.blobId, 2);
    expect(store.attachments.get(f.ref.blobId)?.held).toBe(3);
    const back = [0, 1, 2].map((i) => store.attachments.chunk(f.ref.blobId, i) as Uint8Array);
    expect(openAll(sodium, f.ref, back)).toEqual(f.bytes);
    expect(readdirSync(`${file}.files`)).toEqual([`${f.ref.blobId}.sealed`]);
    expect(store.attachments.removeOfMessage('m1')).toBe(1);
    expect(readdirSync(`${file}.files`)).toEqual([]);
    expect(store.attachments.get(f.ref.blobId)).toBeNull();
  });

  it('binds a staged file to its message, stages it again for a retry, and lets an unsent one expire', () => {
    const { store, file } = fresh();
    const a = sealed('sentA', 1000);
    const b = sealed('lostB', 1000);
    store.attachments.stage('pat-1', a.ref, a.chunks, 10);
    store.attachments.stage('pat-1', b.ref, b.chunks, 10);
    store.attachments.bind('m2', [a.ref.blobId]);
    expect(store.attachments.get(a.ref.blobId)).toMatchObject({ messageId: 'm2', state: 'ready', held: 1 });
    expect(store.attachments.unbind('m2')).toEqual([a.ref.blobId]);
    expect(store.attachments.get(a.ref.blobId)).toMatchObject({ messageId: null, state: 'staged' });
    store.attachments.bind('m3', [a.ref.blobId]);
    expect(store.attachments.removeUnsentBefore(100)).toBe(1);
    expect(store.attachments.get(b.ref.blobId)).toBeNull();
    expect(existsSync(join(`${file}.files`, `${b.ref.blobId}.sealed`))).toBe(false);
    expect(store.attachments.get(a.ref.blobId)?.messageId).toBe('m3');
  });

  it('refuses a name that is not a blob id before it reaches the disk', () => {
    const { store } = fresh();
    expect(() => store.attachments.writeChunk('../../etc/passwd', 0, new Uint8Array(1))).toThrow(/blob id/);
    expect(store.attachments.chunk('../../etc/passwd', 0)).toBeNull();
    expect(() => store.attachments.remove('../../etc/passwd')).toThrow(/blob id/);
  });
});
