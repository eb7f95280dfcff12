// Runs in main (Node): creates, opens, checks and closes a staff profile's encrypted database.
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import {
  type Stats,
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import {
  MigrationFailedError,
  ProfileDamagedError,
  type ProfileDamageReason,
  StoreTooNewError,
  isDamageCode,
  sqliteCodeOf,
  systemCodeOf,
} from './errors';
import { migrate } from './migrations';
import { type EncryptedDatabase, WrongKeyError, openEncrypted } from './open-encrypted';
import { latestSchemaVersion, migrations } from './schema';

export { ProfileDamagedError } from './errors';

export type ProfileDatabase = {
  readonly file: string;
  /** The open connection. Code outside src/main/storage goes through the repository instead. */
  readonly db: EncryptedDatabase;
  readonly schemaVersion: number;
  readonly isOpen: boolean;
  /** Folds the WAL back into the file and closes. Safe to call twice. */
  close(): void;
};

export type OpenProfileOptions = {
  /** 'never': a missing file is damage (the profile exists, its database vanished). Default 'if-missing'. */
  readonly create?: 'if-missing' | 'never';
  /**
   * 'quick-check' (default) reads and authenticates every page before trusting the file, so a
   * damaged page is found now rather than by some later query; it costs about 10 ms per MB
   * (measured: 0.7 s for 70 MB). 'none' skips it for callers that check in the background.
   */
  readonly verify?: 'quick-check' | 'none';
};

export type IntegrityReport = { readonly ok: boolean; readonly problems: readonly string[] };

export const busyTimeoutMs = 5000;

/**
 * The settings of every connection that writes a profile database. `synchronous = FULL`
 * makes each commit wait for the WAL to reach the disk, so an acknowledged write survives
 * kill -9 and power loss; `fullfsync` asks macOS to flush the drive's cache too (a no-op
 * elsewhere). Temporary tables and sorts stay in memory: SQLite's temp files are not
 * encrypted.
 */
export function applyConnectionSettings(db: EncryptedDatabase): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('The database refused WAL mode.');
  db.pragma('synchronous = FULL');
  db.pragma('fullfsync = ON');
  db.pragma('checkpoint_fullfsync = ON');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  // 32 MiB of page cache: every page read from disk must be decrypted and authenticated,
  // so re-reading evicted pages costs far more than with plain SQLite.
  db.pragma('cache_size = -32768');
}

/**
 * Opens a profile database with a key the caller has already authenticated (it came out
 * of an AEAD), creating it if it does not exist yet. Because the key is known to be
 * right, anything that stops an existing file from opening, reading or migrating is
 * reported as ProfileDamagedError, and the file is never replaced or emptied on the way. A wrong key cannot be told apart from a scrambled file, so it is reported the same
 * way ('not-a-database'); WrongKeyError stays the answer of `openEncrypted` for callers
 * that have not checked their key. A database from a newer app is StoreTooNewError.
 */
export function openProfileDatabase(file: string, key: Uint8Array, options: OpenProfileOptions = {}): ProfileDatabase {
  if (key.length !== 32) throw new RangeError('The database key must be 32 bytes.');
  const stats = statOrNull(file);
  if (stats === null) {
    if (options.create === 'never') throw new ProfileDamagedError('missing');
    createAtomically(file, key);
  } else if (!stats.isFile()) {
    throw new ProfileDamagedError('unreadable');
  } else if (stats.size === 0) {
    // New files are only published once migrated, so an empty one was cut short.
    throw new ProfileDamagedError('truncated');
  }
  restrictToOwner(file);

  let db: EncryptedDatabase;
  try {
    db = openEncrypted(file, key, { mustExist: true });
  } catch (error) {
    throw damagedBy(error, 'not-a-database');
  }
  try {
    applyConnectionSettings(db);
    if ((options.verify ?? 'quick-check') === 'quick-check') {
      const report = runChecks(db, 'quick_check');
      if (!report.ok) throw new ProfileDamagedError('integrity');
    }
    migrate(db, migrations);
  } catch (error) {
    db.close();
    if (error instanceof StoreTooNewError || error instanceof ProfileDamagedError) throw error;
    if (error instanceof MigrationFailedError) {
      const sqliteCode = sqliteCodeOf(error.cause);
      const reason = isDamageCode(sqliteCode) ? 'integrity' : 'migration';
      throw new ProfileDamagedError(reason, { migrationVersion: error.version, ...(sqliteCode ? { sqliteCode } : {}) });
    }
    throw damagedBy(error, 'unreadable');
  }
  return handleFor(file, db);
}

/**
 * The full check: every page and index (`integrity_check`) and every foreign key.
 * Problems name tables and pages, never content. Slow on a large profile: for a repair screen or after a restore, not each open.
 */
export function checkIntegrity(profile: ProfileDatabase): IntegrityReport {
  return runChecks(profile.db, 'integrity_check');
}

function runChecks(db: EncryptedDatabase, pragma: 'integrity_check' | 'quick_check'): IntegrityReport {
  const problems: string[] = [];
  try {
    for (const row of db.pragma(pragma) as Record<string, unknown>[]) {
      const text = String(Object.values(row)[0]);
      if (text !== 'ok') problems.push(text);
    }
    if (pragma === 'integrity_check' && problems.length === 0) {
      for (const row of db.pragma('foreign_key_check') as { table: string; rowid: number | null; parent: string }[]) {
        problems.push(`foreign key: ${row.table} row ${row.rowid ?? '?'} refers to a missing ${row.parent} row`);
      }
    }
  } catch (error) {
    problems.push(`unreadable: ${sqliteCodeOf(error) ?? 'error'}`);
  }
  return { ok: problems.length === 0, problems };
}

function handleFor(file: string, db: EncryptedDatabase): ProfileDatabase {
  return {
    file,
    db,
    schemaVersion: latestSchemaVersion,
    get isOpen() {
      return db.open;
    },
    close() {
      if (!db.open) return;
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Every commit is already durable in the WAL; folding it in is housekeeping.
      } finally {
        db.close();
      }
    },
  };
}

function damagedBy(error: unknown, fallback: ProfileDamageReason): ProfileDamagedError {
  if (error instanceof ProfileDamagedError) return error;
  if (error instanceof WrongKeyError) return new ProfileDamagedError('not-a-database');
  const sqliteCode = sqliteCodeOf(error);
  if (sqliteCode) {
    const reason: ProfileDamageReason =
      sqliteCode === 'SQLITE_NOTADB'
        ? 'not-a-database'
        : sqliteCode.startsWith('SQLITE_CORRUPT')
          ? 'integrity'
          : sqliteCode === 'SQLITE_IOERR_SHORT_READ'
            ? 'truncated'
            : 'unreadable';
    return new ProfileDamagedError(reason, { sqliteCode });
  }
  const systemCode = systemCodeOf(error);
  return new ProfileDamagedError(systemCode ? 'unreadable' : fallback, systemCode ? { systemCode } : {});
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch (error) {
    if (systemCodeOf(error) === 'ENOENT') return null;
    throw damagedBy(error, 'unreadable');
  }
}

/** SQLite creates files world-readable (0644); its -wal and -shm copy the main file's mode. */
function restrictToOwner(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // Windows has no such modes; the profile folder's ACL applies there.
  }
}

const creatingMarker = '.creating-';

/**
 * A new database is built under a temporary name, migrated, folded and flushed, then
 * linked into place: a crash half-way never leaves an empty file that would later pass
 * for a profile with no data.
 */
function createAtomically(file: string, key: Uint8Array): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dir)) {
    if (name.startsWith(basename(file) + creatingMarker)) rmSync(join(dir, name), { force: true });
  }
  const temp = `${file}${creatingMarker}${nodeRandomBytes(6).toString('hex')}`;
  let db: EncryptedDatabase | undefined;
  try {
    db = openEncrypted(temp, key);
    restrictToOwner(temp);
    applyConnectionSettings(db);
    migrate(db, migrations);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    flush(temp);
    publish(temp, file);
    flush(dir);
  } finally {
    if (db?.open) db.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(temp + suffix, { force: true });
  }
}

/** Puts `temp` at `file` unless something is already there (then that file wins). */
function publish(temp: string, file: string): void {
  try {
    linkSync(temp, file);
  } catch (error) {
    if (systemCodeOf(error) === 'EEXIST') return;
    // Filesystems without hard links (FAT, some network shares): rename, still atomic.
    if (existsSync(file)) return;
    renameSync(temp, file);
  }
}

function flush(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for flushing; the rename or link is still atomic.
  }
}
