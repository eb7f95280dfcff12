// Runs in main (Node): the storage layer's typed failures. Every message is fixed English
// text; none carries a file's content, a path, an id or patient data, so any of them may be logged.

/** Why a profile database cannot be used. Each one leads to the same screen: restore or reset. */
export type ProfileDamageReason =
  /** The caller said the profile exists, but its database file is gone. */
  | 'missing'
  /** The first page does not decrypt: a foreign or scrambled file, or (indistinguishably) another key. */
  | 'not-a-database'
  /** The file is empty or shorter than its own header says. */
  | 'truncated'
  /** Some page fails authentication or the b-tree structure is broken. */
  | 'integrity'
  /** The schema could not be brought up to date. */
  | 'migration'
  /** The operating system refused to read it (permissions, I/O error, a folder in its place). */
  | 'unreadable';

export type ProfileDamageDetail = {
  /** e.g. 'SQLITE_CORRUPT', 'SQLITE_NOTADB'. */
  readonly sqliteCode?: string;
  /** e.g. 'EACCES', 'EIO'. */
  readonly systemCode?: string;
  readonly migrationVersion?: number;
};

export class ProfileDamagedError extends Error {
  readonly code = 'profile-damaged';
  constructor(
    readonly reason: ProfileDamageReason,
    /** For diagnostics only, safe to log: result codes, and for 'migration' which version failed. */
    readonly detail: ProfileDamageDetail = {},
  ) {
    super(`The profile database cannot be used (${reason}).`);
    this.name = 'ProfileDamagedError';
  }
}

/** The file was written by a newer app; opening it here could corrupt what that version expects. */
export class StoreTooNewError extends Error {
  readonly code = 'store-too-new';
  constructor(
    readonly foundVersion: number,
    readonly knownVersion: number,
  ) {
    super(`The profile database has schema version ${foundVersion}; this app knows up to ${knownVersion}.`);
    this.name = 'StoreTooNewError';
  }
}

/** One migration threw; its transaction was rolled back, so the database is still at `version - 1`. */
export class MigrationFailedError extends Error {
  readonly code = 'migration-failed';
  constructor(
    readonly version: number,
    readonly migrationName: string,
    options?: { cause?: unknown },
  ) {
    super(`Migration ${version} (${migrationName}) failed and was rolled back.`, options);
    this.name = 'MigrationFailedError';
  }
}

export type BlobDamageReason = 'format' | 'authentication' | 'truncated' | 'trailing-data';

/** A blob failed authentication: changed, cut short, extended, or stored under another id. */
export class BlobDamagedError extends Error {
  readonly code = 'blob-damaged';
  constructor(readonly reason: BlobDamageReason) {
    super(`The encrypted file is damaged (${reason}).`);
    this.name = 'BlobDamagedError';
  }
}

export class BlobNotFoundError extends Error {
  readonly code = 'blob-not-found';
  constructor() {
    super('The encrypted file does not exist.');
    this.name = 'BlobNotFoundError';
  }
}

/** Blob ids become file names, so anything but the exact id shape is refused before touching the disk. */
export class InvalidBlobIdError extends Error {
  readonly code = 'invalid-blob-id';
  constructor() {
    super('That is not a valid encrypted file id.');
    this.name = 'InvalidBlobIdError';
  }
}

/** The SQLite result code of an error thrown by better-sqlite3 (e.g. 'SQLITE_CORRUPT'), if it is one. */
export function sqliteCodeOf(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_')) {
    return error.code;
  }
  return undefined;
}

/** The errno-style code of a Node.js system error (e.g. 'EACCES'), if it is one. */
export function systemCodeOf(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z0-9]+$/.test(error.code)) {
    return error.code;
  }
  return undefined;
}

/** Result codes that mean the bytes on disk are wrong, as opposed to a bad query or a busy lock. */
export function isDamageCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
