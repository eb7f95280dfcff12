// What the relay store's query modules share: the open database, the clock for the relay's
// own bookkeeping, one IMMEDIATE transaction per write, and the refusal to work once closed.
import { type Db } from './open';

export type Connection = {
  readonly db: Db;
  readonly now: () => number;
  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or nothing. */
  write<T>(work: () => T): T;
  ensureOpen(): void;
};

export function connectionOf(db: Db, now: () => number, isOpen: () => boolean): Connection {
  return {
    db,
    now,
    write: <T>(work: () => T): T => db.transaction(work).immediate(),
    ensureOpen: () => {
      if (!isOpen()) throw new Error('The relay store is closed.');
    },
  };
}
