// Runs in main (Node): brings a profile database's schema up to the version this app knows.
import { MigrationFailedError, StoreTooNewError } from './errors';
import type { EncryptedDatabase } from './open-encrypted';

/**
 * One schema step. `up` runs inside a transaction that also bumps `user_version`, so it
 * either lands completely or not at all. A shipped migration is never edited: fix forward
 * with a new one.
 */
export type Migration = {
  readonly version: number;
  readonly name: string;
  up(db: EncryptedDatabase): void;
};

export type MigrationOutcome = {
  /** `user_version` before, 0 for a new database. */
  readonly from: number;
  readonly to: number;
};

export function schemaVersionOf(db: EncryptedDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a list that is not exactly versions 1..N in order: a gap would skip a step on some machines. */
function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new RangeError(`Migration list out of order: position ${index + 1} holds version ${migration.version}.`);
    }
    if (migration.name.trim() === '') throw new RangeError(`Migration ${migration.version} has no name.`);
  });
}

/**
 * Applies every migration newer than the database's `user_version`, each in its own
 * IMMEDIATE transaction with the version bump and a foreign key check, and refuses a
 * database written by a newer app (StoreTooNewError) without touching it.
 */
export function migrate(db: EncryptedDatabase, migrations: readonly Migration[]): MigrationOutcome {
  assertWellFormed(migrations);
  const known = migrations.length;
  const from = schemaVersionOf(db);
  if (from > known) throw new StoreTooNewError(from, known);

  for (const migration of migrations.slice(from)) {
    const step = db.transaction(() => {
      // Read again under the write lock: another connection may have migrated meanwhile.
      const current = schemaVersionOf(db);
      if (current >= migration.version) return;
      if (current !== migration.version - 1) throw new StoreTooNewError(current, known);
      migration.up(db);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`Migration left ${broken.length} broken foreign key reference(s).`);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (error) {
      if (error instanceof StoreTooNewError) throw error;
      throw new MigrationFailedError(migration.version, migration.name, { cause: error });
    }
  }
  return { from, to: schemaVersionOf(db) };
}
