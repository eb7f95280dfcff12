// The clinic's own rows: the binding to its root key, the signed policy versions, and the
// records key epochs.
import { type ClinicBinding, type PolicyRecord, type RecordsEpochRecord, type RelayStore, StoreConflictError } from '../relay-store';
import { type Connection } from './connection';
import { type ClinicRow, type EpochRow, type PolicyRow, bytesIn, bytesOut } from './rows';

type ClinicStore = Pick<RelayStore, 'getClinic' | 'bindClinic' | 'getPolicy' | 'putPolicy' | 'putRecordsEpoch' | 'latestRecordsEpoch' | 'listRecordsEpochs'>;

export function clinicQueries({ db, write, ensureOpen }: Connection): ClinicStore {
  const q = {
    getClinic: db.prepare<[], ClinicRow>('SELECT clinic_id, root_public_key, bound_at FROM clinic WHERE slot = 1'),
    insertClinic: db.prepare('INSERT INTO clinic (slot, clinic_id, root_public_key, bound_at) VALUES (1, ?, ?, ?)'),
    newestPolicy: db.prepare<[], PolicyRow>('SELECT version, policy_json, stored_at FROM policies ORDER BY version DESC LIMIT 1'),
    insertPolicy: db.prepare('INSERT INTO policies (version, policy_json, stored_at) VALUES (?, ?, ?)'),
    newestEpoch: db.prepare<[], EpochRow>('SELECT epoch, epoch_json, stored_at FROM records_epochs ORDER BY epoch DESC LIMIT 1'),
    listEpochs: db.prepare<[], EpochRow>('SELECT epoch, epoch_json, stored_at FROM records_epochs ORDER BY epoch'),
    insertEpoch: db.prepare('INSERT INTO records_epochs (epoch, epoch_json, stored_at) VALUES (?, ?, ?)'),
  };

  return {
    async getClinic() {
      ensureOpen();
      const row = q.getClinic.get();
      return row ? { clinicId: row.clinic_id, rootPublicKey: bytesOut(row.root_public_key), boundAt: row.bound_at } : null;
    },
    async bindClinic(binding: ClinicBinding) {
      ensureOpen();
      write(() => {
        if (q.getClinic.get()) throw new StoreConflictError('The relay is already bound to a clinic.');
        q.insertClinic.run(binding.clinicId, bytesIn(binding.rootPublicKey), binding.boundAt);
      });
    },

    async getPolicy() {
      ensureOpen();
      const row = q.newestPolicy.get();
      return row ? { version: row.version, policyJson: row.policy_json, storedAt: row.stored_at } : null;
    },
    async putPolicy(policy: PolicyRecord) {
      ensureOpen();
      write(() => {
        const newest = q.newestPolicy.get();
        if (newest && policy.version <= newest.version) {
          throw new StoreConflictError(`Policy version ${policy.version} is not newer than ${newest.version}.`);
        }
        q.insertPolicy.run(policy.version, policy.policyJson, policy.storedAt);
      });
    },

    async putRecordsEpoch(epoch: RecordsEpochRecord) {
      ensureOpen();
      write(() => {
        const expected = (q.newestEpoch.get()?.epoch ?? -1) + 1;
        if (epoch.epoch !== expected) throw new StoreConflictError(`Records epoch ${epoch.epoch} refused: the next is ${expected}.`);
        q.insertEpoch.run(epoch.epoch, epoch.epochJson, epoch.storedAt);
      });
    },
    async latestRecordsEpoch() {
      ensureOpen();
      const row = q.newestEpoch.get();
      return row ? { epoch: row.epoch, epochJson: row.epoch_json, storedAt: row.stored_at } : null;
    },
    async listRecordsEpochs() {
      ensureOpen();
      return q.listEpochs.all().map((row) => ({ epoch: row.epoch, epochJson: row.epoch_json, storedAt: row.stored_at }));
    },
  };
}
