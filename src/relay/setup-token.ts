// The one-time setup token: made on first start, shown once, and only its SHA-256 hash is
// kept, in `<dataDir>/setup.json` (mode 0600). It is never re-created while that file exists.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

export const SETUP_FILE = 'setup.json';

export const SetupRecord = z
  .object({
    v: z.literal(1),
    algorithm: z.literal('sha256'),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.number().int().nonnegative(),
  })
  .strict();
export type SetupRecord = z.infer<typeof SetupRecord>;

export const hashSetupToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

function readRecord(file: string): SetupRecord | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const record = SetupRecord.safeParse(parsed);
  if (!record.success) throw new Error(`${file} is damaged; refusing to start rather than issue a new setup token`);
  return record.data;
}

/** Returns the new token when this call created it; `null` when one was made before. */
export function ensureSetupToken(dataDir: string, now = Date.now()): { token: string | null; record: SetupRecord } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SETUP_FILE);
  const existing = readRecord(file);
  if (existing) return { token: null, record: existing };

  const token = randomBytes(32).toString('base64url');
  const record: SetupRecord = { v: 1, algorithm: 'sha256', hash: hashSetupToken(token), createdAt: now };
  const temp = join(dataDir, `.${SETUP_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(record) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(temp, 0o600);
    linkSync(temp, file); // fails if another start won the race: never overwrite
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { token: null, record: readRecord(file) ?? record };
    throw error;
  } finally {
    unlinkSync(temp);
  }
  return { token, record };
}

/** Constant-time check of a presented token against the stored hash. */
export function verifySetupToken(dataDir: string, token: string): boolean {
  const record = readRecord(join(dataDir, SETUP_FILE));
  if (!record) return false;
  return timingSafeEqual(Buffer.from(hashSetupToken(token), 'hex'), Buffer.from(record.hash, 'hex'));
}
