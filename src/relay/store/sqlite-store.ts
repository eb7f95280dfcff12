// The relay's store on SQLite (better-sqlite3, synchronous; each async method does its work
// at once). The file holds only public keys, signed documents and ciphertext, so it is not
// encrypted; it is still private to the relay's user (0700 folder, 0600 file). One
// connection; its queries are grouped by domain under sqlite/, its migrations one per file.
import { type RelayStore } from './relay-store';
import { alertQueries } from './sqlite/alert-queries';
import { auditQueries } from './sqlite/audit-queries';
import { blobQueries } from './sqlite/blob-queries';
import { clinicQueries } from './sqlite/clinic-queries';
import { connectionOf } from './sqlite/connection';
import { deviceQueries } from './sqlite/device-queries';
import { messageQueries } from './sqlite/message-queries';
import { migrations } from './sqlite/migrations';
import { openDatabase } from './sqlite/open';
import { patientQueries } from './sqlite/patient-queries';
import { shortCodeQueries } from './sqlite/short-code-queries';
import { teamQueries } from './sqlite/team-queries';

export { syncQueries } from './sqlite/message-queries';

export type OpenSqliteRelayStoreOptions = {
  /** Clock for the relay's own bookkeeping (when a log row was written). Default Date.now. */
  readonly now?: () => number;
};

export const relayStoreSchemaVersion = migrations.length;

export async function openSqliteRelayStore(file: string, options: OpenSqliteRelayStoreOptions = {}): Promise<RelayStore> {
  const db = openDatabase(file);
  let open = true;
  const connection = connectionOf(db, options.now ?? Date.now, () => open);
  return {
    ...clinicQueries(connection),
    ...deviceQueries(connection),
    ...patientQueries(connection),
    ...messageQueries(connection),
    ...shortCodeQueries(connection),
    ...alertQueries(connection),
    ...teamQueries(connection),
    ...blobQueries(connection),
    ...auditQueries(connection),
    async close() {
      if (!open) return;
      open = false;
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
