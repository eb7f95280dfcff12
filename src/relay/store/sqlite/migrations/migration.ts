// One step of the relay store's schema: applied in its own IMMEDIATE transaction, after which
// `user_version` is its version.
import type Database from 'better-sqlite3-multiple-ciphers';

export type Db = Database.Database;

export type Migration = { readonly version: number; readonly name: string; up(db: Db): void };
