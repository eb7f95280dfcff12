import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { randomBytes } from '../crypto/sodium';
import { BackupDamagedError, extractBackup, readBackupHeader, writeBackup } from './backup-file';
import { wrapProfileKey } from './key-file';

const dir = mkdtempSync(join(tmpdir(), 'backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function makeBackup(size: number) {
  const database = join(dir, `db-${size}.bin`);
  const content = randomBytes(size);
  writeFileSync(database, content);
  const backupKey = randomBytes(32);
  const destination = join(dir, `b-${size}-${Math.random()}.cmbackup`);
  const keyFile = await wrapProfileKey(randomBytes(32), 'copper lantern orbit meadow 47', randomUUID());
  const progress: number[] = [];
  const { bytes } = await writeBackup({
    destination,
    databaseFile: database,
    header: { createdAt: '2026-11-23T10:00:00.000Z', displayName: 'Zoë', keyFile },
    backupKey,
    onProgress: (done) => progress.push(done),
  });
  return { database, content, backupKey, destination, bytes, progress };
}

describe('backup file', () => {
  it.each([0, 1000, 300_000])('round-trips %i bytes with progress, and the header reads without the key', async (size) => {
    const { content, backupKey, destination, bytes, progress } = await makeBackup(size);
    expect(readFileSync(destination).length).toBe(bytes);
    expect(readBackupHeader(destination).header).toMatchObject({ displayName: 'Zoë', databaseBytes: size });
    if (size > 0) expect(progress.at(-1)).toBe(size);
    const out = join(dir, `out-${size}.bin`);
    const seen: number[] = [];
    await extractBackup({ file: destination, destination: out, backupKey, onProgress: (done) => seen.push(done) });
    expect(new Uint8Array(readFileSync(out))).toEqual(content);
    expect(seen.at(-1) ?? 0).toBe(size);
  });

  it('does not contain the database bytes in the clear', async () => {
    const { content, destination } = await makeBackup(4096);
    expect(readFileSync(destination).includes(Buffer.from(content.subarray(100, 164)))).toBe(false);
  });

  it.each([
    ['a flipped content byte', (b: Buffer) => (b[b.length - 100] = (b[b.length - 100] ?? 0) ^ 1), 'content'],
    ['a changed header', (b: Buffer) => b.write('Zoe', b.indexOf('Zo\u00eb'), 'utf8'), 'content'],
    ['a cut-off end', (b: Buffer) => b.subarray(0, b.length - 10), 'truncated'],
    ['extra bytes at the end', (b: Buffer) => Buffer.concat([b, Buffer.from('tail')]), 'content'],
    ['another magic', (b: Buffer) => b.write('XXXXXXXX', 0), 'not-a-backup'],
  ] as const)('refuses %s', async (_label, change, reason) => {
    const { backupKey, destination } = await makeBackup(200_000);
    const bytes = readFileSync(destination);
    const changed = change(bytes);
    writeFileSync(destination, Buffer.isBuffer(changed) ? changed : bytes);
    const attempt = extractBackup({ file: destination, destination: join(dir, 'x.bin'), backupKey });
    await expect(attempt).rejects.toBeInstanceOf(BackupDamagedError);
    await expect(attempt).rejects.toMatchObject({ reason });
  });

  it('refuses the wrong backup key', async () => {
    const { destination } = await makeBackup(1000);
    await expect(extractBackup({ file: destination, destination: join(dir, 'y.bin'), backupKey: randomBytes(32) })).rejects.toMatchObject({
      reason: 'content',
    });
  });
});
