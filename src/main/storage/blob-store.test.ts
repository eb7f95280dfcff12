import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { randomBytes } from '../crypto/sodium';
import { blobChunkBytes } from './blob-format';
import { type BlobProgress, type BlobStore, createBlobStore, isBlobId } from './blob-store';
import { BlobDamagedError, BlobNotFoundError, InvalidBlobIdError } from './errors';

const sample = 'Zoë Brûlé-Tremblay — résultats de laboratoire';
const headerBytes = 7 + 24;
const sealedChunk = blobChunkBytes + 17;

let dir: string;
let key: Uint8Array;
let store: BlobStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blobs-'));
  key = randomBytes(32);
  store = await createBlobStore(join(dir, 'blobs'), key);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fileOf = (id: string) => join(dir, 'blobs', `${id}.blob`);
const utf8 = (text: string) => new TextEncoder().encode(text);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('blob store round trips', () => {
  it.each([
    ['empty', 0],
    ['small', 100],
    ['exactly one chunk', blobChunkBytes],
    ['one chunk and a byte', blobChunkBytes + 1],
    ['more than 1 MiB', 1024 * 1024 + 12_345],
  ])('put/get keeps %s data intact and the file has the documented size', async (_label, size) => {
    const data = randomBytes(size);
    const id = await store.put(data);
    expect(isBlobId(id)).toBe(true);
    expect(same(await store.get(id), data)).toBe(true);
    const chunks = Math.max(1, Math.ceil(size / blobChunkBytes));
    expect(statSync(fileOf(id)).size).toBe(headerBytes + chunks * 17 + size);
    expect(readFileSync(fileOf(id)).subarray(0, 7).toString('latin1')).toBe('CMBLOB\x01');
  });

  it('streams a multi-chunk file in and out, reporting progress up to the total', async () => {
    const data = randomBytes(3 * blobChunkBytes + 777);
    const source = join(dir, 'export.bin');
    writeFileSync(source, data);
    const inward: BlobProgress[] = [];
    const id = await store.putFile(source, (progress) => inward.push(progress));
    expect(inward).toHaveLength(4);
    expect(inward.map((p) => p.doneBytes)).toEqual([blobChunkBytes, 2 * blobChunkBytes, 3 * blobChunkBytes, data.length]);
    expect(inward.every((p) => p.totalBytes === data.length)).toBe(true);

    const outward: BlobProgress[] = [];
    const destination = join(dir, 'restored.bin');
    await store.getToFile(id, destination, (progress) => outward.push(progress));
    expect(same(readFileSync(destination), data)).toBe(true);
    expect(outward.at(-1)).toEqual({ doneBytes: data.length, totalBytes: data.length });
    // Streamed and in-memory blobs are the same format.
    expect(same(await store.get(id), data)).toBe(true);
  });

  it('streams a file whose size is an exact number of chunks, and an empty one', async () => {
    for (const size of [2 * blobChunkBytes, 0]) {
      const source = join(dir, `source-${size}`);
      writeFileSync(source, randomBytes(size));
      const id = await store.putFile(source);
      expect(same(await store.get(id), readFileSync(source))).toBe(true);
    }
  });

  it('gives every blob a new id, removes idempotently, and reports a missing blob', async () => {
    const a = await store.put(utf8(sample));
    const b = await store.put(utf8(sample));
    expect(a).not.toBe(b);
    await store.remove(a);
    await store.remove(a);
    expect(await rejection(store.get(a))).toBeInstanceOf(BlobNotFoundError);
    expect(await rejection(store.getToFile(a, join(dir, 'out')))).toBeInstanceOf(BlobNotFoundError);
    expect(new TextDecoder().decode(await store.get(b))).toBe(sample);
  });

  it('keeps files private to the owner and leaves no temporary files', async () => {
    const id = await store.put(utf8(sample));
    expect(readdirSync(join(dir, 'blobs'))).toEqual([`${id}.blob`]);
    if (process.platform !== 'win32') {
      expect(statSync(fileOf(id)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'blobs')).mode & 0o777).toBe(0o700);
    }
  });

  it('writes no plaintext to disk', async () => {
    const text = `${sample} `.repeat(5000);
    const id = await store.put(utf8(text));
    const onDisk = readFileSync(fileOf(id));
    expect(onDisk.includes(Buffer.from(sample, 'utf8'))).toBe(false);
    expect(onDisk.includes(Buffer.from(sample, 'utf16le'))).toBe(false);
    expect(onDisk.includes(Buffer.from('Tremblay'))).toBe(false);
  });
});

describe('blob store tampering', () => {
  /** Each way a file can be damaged, and the reason it must be refused with. */
  const cases: [string, (file: Buffer, others: { otherFile: Buffer }) => Buffer, string][] = [
    ['a changed magic byte', (f) => flip(f, 0), 'format'],
    ['a changed format version', (f) => flip(f, 6), 'format'],
    ['a changed stream header', (f) => flip(f, 10), 'authentication'],
    ['a changed byte in the first chunk', (f) => flip(f, headerBytes + 5), 'authentication'],
    ['a changed byte in the middle chunk', (f) => flip(f, headerBytes + sealedChunk + 1000), 'authentication'],
    ['a changed tag of the last chunk', (f) => flip(f, f.length - 1), 'authentication'],
    ['a file cut inside a chunk', (f) => f.subarray(0, headerBytes + sealedChunk + 100), 'authentication'],
    ['the final chunk missing (cut at a chunk boundary)', (f) => f.subarray(0, headerBytes + 2 * sealedChunk), 'truncated'],
    ['a file cut inside the header', (f) => f.subarray(0, 20), 'truncated'],
    // Appended bytes lengthen the short final chunk, so its tag no longer matches.
    ['bytes appended after the final chunk', (f) => Buffer.concat([f, Buffer.from([0])]), 'authentication'],
    ['a whole chunk appended again after the final chunk', (f) => Buffer.concat([f, f.subarray(headerBytes, headerBytes + sealedChunk)]), 'authentication'],
    [
      'two chunks swapped',
      (f) =>
        Buffer.concat([
          f.subarray(0, headerBytes),
          f.subarray(headerBytes + sealedChunk, headerBytes + 2 * sealedChunk),
          f.subarray(headerBytes, headerBytes + sealedChunk),
          f.subarray(headerBytes + 2 * sealedChunk),
        ]),
      'authentication',
    ],
    ['another blob’s file under this id', (_f, { otherFile }) => otherFile, 'authentication'],
  ];

  function flip(file: Buffer, at: number): Buffer {
    const copy = Buffer.from(file);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  }

  it.each(cases)('refuses %s, in memory and streamed, leaving nothing at the destination', async (_label, damage, reason) => {
    const data = randomBytes(2 * blobChunkBytes + 500);
    const id = await store.put(data);
    const other = await store.put(randomBytes(data.length));
    writeFileSync(fileOf(id), damage(readFileSync(fileOf(id)), { otherFile: readFileSync(fileOf(other)) }));

    const inMemory = await rejection(store.get(id));
    expect(inMemory).toBeInstanceOf(BlobDamagedError);
    expect(inMemory).toMatchObject({ code: 'blob-damaged', reason });

    const destination = join(dir, 'export.bin');
    const streamed = await rejection(store.getToFile(id, destination));
    expect(streamed).toBeInstanceOf(BlobDamagedError);
    expect(streamed).toMatchObject({ reason });
    expect(existsSync(destination)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses bytes after a full-size final chunk as trailing data', async () => {
    const id = await store.put(randomBytes(2 * blobChunkBytes));
    writeFileSync(fileOf(id), Buffer.concat([readFileSync(fileOf(id)), Buffer.from('extra')]));
    expect(await rejection(store.get(id))).toMatchObject({ code: 'blob-damaged', reason: 'trailing-data' });
    const destination = join(dir, 'export.bin');
    expect(await rejection(store.getToFile(id, destination))).toMatchObject({ code: 'blob-damaged', reason: 'trailing-data' });
    expect(existsSync(destination)).toBe(false);
  });

  it('refuses a blob renamed to another valid id', async () => {
    const id = await store.put(utf8(sample));
    const renamed = 'f'.repeat(32);
    copyFileSync(fileOf(id), fileOf(renamed));
    expect(await rejection(store.get(renamed))).toMatchObject({ code: 'blob-damaged', reason: 'authentication' });
  });

  it('refuses to open blobs with another key', async () => {
    const id = await store.put(utf8(sample));
    const otherStore = await createBlobStore(join(dir, 'blobs'), randomBytes(32));
    expect(await rejection(otherStore.get(id))).toMatchObject({ code: 'blob-damaged', reason: 'authentication' });
  });
});

describe('blob ids', () => {
  it.each([['../x'], ['../../etc/passwd'], ['A'.repeat(32)], ['a'.repeat(31)], ['a'.repeat(33)], [''], [`${'a'.repeat(30)}/x`], ['a'.repeat(31) + '\0']])(
    'refuses %j before touching the disk',
    async (id) => {
      expect(isBlobId(id)).toBe(false);
      expect(await rejection(store.get(id))).toBeInstanceOf(InvalidBlobIdError);
      expect(await rejection(store.remove(id))).toBeInstanceOf(InvalidBlobIdError);
      expect(await rejection(store.getToFile(id, join(dir, 'out')))).toBeInstanceOf(InvalidBlobIdError);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    },
  );

  it('refuses a key that is not 32 bytes', async () => {
    expect(await rejection(createBlobStore(join(dir, 'other'), randomBytes(16)))).toBeInstanceOf(RangeError);
  });

  it('keeps its own copy of the key, so the caller may wipe theirs', async () => {
    const id = await store.put(utf8(sample));
    key.fill(0);
    expect(new TextDecoder().decode(await store.get(id))).toBe(sample);
  });
});
