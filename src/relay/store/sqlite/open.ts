// Opening the relay's SQLite file: private file modes, WAL with synchronous = FULL (an
// acknowledged write survives kill -9), an integrity check, and the migrations. A file that
// is damaged, or newer than this relay, is refused with a typed error and left untouched.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';

import { StoreUnavailableError } from '../relay-store';
import { migrations } from './migrations';
import { type Db } from './migrations/migration';

export type { Db };

export function openDatabase(file: string): Db {
  prepareFile(file);
  let db: Db;
  try {
    db = new Database(file);
  } catch (error) {
    throw unavailableBy(error);
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Read the version before anything writes to the file: a newer relay's file stays untouched.
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > migrations.length) {
      throw new StoreUnavailableError(`The relay store has schema version ${found}; this relay knows up to ${migrations.length}.`, 'too-new');
    }
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new StoreUnavailableError('The relay store refused WAL mode.', 'io');
    // Each commit waits for the WAL to reach the disk: an acknowledged write survives kill -9.
    db.pragma('synchronous = FULL');
    db.pragma('fullfsync = ON');
    db.pragma('checkpoint_fullfsync = ON');
    db.pragma('foreign_keys = ON');
    const problems = (db.pragma('quick_check') as Record<string, unknown>[]).map((row) => String(Object.values(row)[0])).filter((text) => text !== 'ok');
    if (problems.length > 0) throw new StoreUnavailableError('The relay store failed its integrity check.', 'damaged');
    migrate(db);
  } catch (error) {
    db.close();
    throw unavailableBy(error);
  }
  return db;
}

function prepareFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Create the file private to the owner; SQLite gives its -wal and -shm the same mode.
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw unavailableBy(error);
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    // Windows has no such modes; the folder's ACL applies there.
  }
}

function migrate(db: Db): void {
  for (const migration of migrations) {
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= migration.version) return;
      if (current !== migration.version - 1) {
        throw new StoreUnavailableError(`The relay store has schema version ${current}; expected ${migration.version - 1}.`, 'too-new');
      }
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

function unavailableBy(error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error;
  const code = codeOf(error);
  if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT') || (error instanceof Error && /not a database/i.test(error.message))) {
    return new StoreUnavailableError(`The relay store is damaged (${code ?? 'not a database'}).`, 'damaged');
  }
  if (code !== undefined) return new StoreUnavailableError(`The relay store cannot be opened (${code}).`, 'io');
  return error instanceof Error ? error : new Error(String(error));
}
