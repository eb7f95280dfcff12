import Database from 'better-sqlite3-multiple-ciphers';

export type EncryptedDatabase = Database.Database;

export class WrongKeyError extends Error {
  constructor() {
    super('The database could not be opened with this key.');
    this.name = 'WrongKeyError';
  }
}

export type OpenEncryptedOptions = {
  /** Fail instead of creating an empty database when the file is not there. */
  readonly mustExist?: boolean;
};

/**
 * Opens (or creates) a whole-file encrypted SQLite database with a raw 256-bit key, in
 * SQLCipher-compatible mode. A wrong key only shows on the first read, so this reads at
 * once and closes the handle before reporting a wrong key.
 */
export function openEncrypted(file: string, key: Uint8Array, options: OpenEncryptedOptions = {}): EncryptedDatabase {
  if (key.length !== 32) throw new RangeError('The database key must be 32 bytes.');
  const db = new Database(file, { fileMustExist: options.mustExist ?? false });
  try {
    db.pragma(`cipher='sqlcipher'`);
    db.pragma(`legacy=4`);
    db.pragma(`key="x'${Buffer.from(key).toString('hex')}'"`);
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
  } catch (error) {
    db.close();
    if (error instanceof Error && /not a database|file is encrypted/i.test(error.message)) throw new WrongKeyError();
    throw error;
  }
  return db;
}
