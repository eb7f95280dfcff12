// Runs in Node: a whole clinic without any window, for `npm run demo`, the benchmarks and
// the integration tests. A real relay on 127.0.0.1 (port 0 by default) and real devices, each
// with its own encrypted store: staff devices driven through the same ClinicClient the app
// uses, patients through the portal's PatientClient (headless-patient.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';

import { type ConsentScope } from '../src/shared/protocol/documents';
import { type StaffRole } from '../src/shared/roles';
import { type Relay, type RelayOptions, startRelay } from '../src/relay/server';
import { ClinicClient } from '../src/main/network/clinic-client';
import { openClientStore } from '../src/main/network/client-store';
import { HeadlessPatient } from './headless-patient';

export { HeadlessPatient };

export type HeadlessDevice = {
  readonly name: string;
  readonly client: ClinicClient;
  /** The store's key: keep it to reopen the same device after a restart. */
  readonly key: Uint8Array;
  readonly file: string;
};

/** Opens (or creates) a device store under `dir` and its client. */
export async function openDevice(dir: string, name: string, key?: Uint8Array, now?: () => number): Promise<HeadlessDevice> {
  await sodium.ready;
  const storeKey = key ?? sodium.randombytes_buf(32);
  const file = join(dir, `${name}.db`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const client = new ClinicClient({ store: openClientStore(file, storeKey), sodium, timeoutMs: 10_000, ...(now ? { now } : {}) });
  return { name, client, key: storeKey, file };
}

export type HeadlessClinic = {
  readonly relay: Relay;
  readonly relayDir: string;
  readonly devicesDir: string;
  readonly admin: HeadlessDevice;
  /** Adds a staff device: invite, redeem, approval by the root holder. */
  addStaff(name: string, role: StaffRole): Promise<HeadlessDevice>;
  /** Front desk enrolls a patient; the patient's device (the portal's client) redeems the code. */
  addPatient(name: string, patientId: string, via: HeadlessDevice, scopes?: readonly ConsentScope[]): Promise<HeadlessPatient & { readonly code: string }>;
  /** Stops the relay (its data stays) and starts it again on the same port. */
  restartRelay(): Promise<void>;
  close(): Promise<void>;
};

export type HeadlessOptions = {
  readonly dir: string;
  readonly relay?: Partial<Omit<RelayOptions, 'dataDir'>>;
  /** Starts the relay some other way (the attachments benchmark runs it in its own process). */
  readonly startRelay?: (options: RelayOptions) => Promise<Relay>;
  readonly clinicName?: string;
};

export async function startHeadlessClinic(options: HeadlessOptions): Promise<HeadlessClinic> {
  const relayDir = join(options.dir, 'relay');
  const devicesDir = join(options.dir, 'devices');
  const relayOptions = { port: 0, authRate: { capacity: 1000, refillPerSecond: 100 }, ...options.relay, dataDir: relayDir };
  const start = options.startRelay ?? startRelay;
  let relay = await start(relayOptions);
  const setupToken = relay.setupToken;
  if (!setupToken) throw new Error('The relay folder was already set up; use an empty folder.');
  const devices: HeadlessDevice[] = [];
  const patients: HeadlessPatient[] = [];
  const admin = await openDevice(devicesDir, 'admin');
  devices.push(admin);
  await admin.client.setUpClinic({ relayUrl: relay.url, setupToken, clinicName: options.clinicName ?? 'Riverside Family Practice', staffId: 'staff-admin' });

  const clinic: HeadlessClinic = {
    get relay() {
      return relay;
    },
    relayDir,
    devicesDir,
    admin,
    async addStaff(name, role) {
      const device = await openDevice(devicesDir, name);
      devices.push(device);
      const code = await admin.client.createInvite({ staffId: `staff-${name}`, displayName: name, role });
      await device.client.redeemInvite({ relayUrl: relay.url, code });
      await admin.client.approvePendingDevices();
      if (!(await device.client.completeJoin())) throw new Error(`${name} was not approved`);
      await device.client.verifiedDirectory(true);
      return device;
    },
    async addPatient(name, patientId, via, scopes = ['clinical']) {
      const { code } = await via.client.enrollPatient({ patientId, scopes });
      const patient = await HeadlessPatient.enroll({ name, dir: devicesDir, relayUrl: relay.url, code });
      patients.push(patient);
      return Object.assign(patient, { code });
    },
    async restartRelay() {
      // Patients' devices reconnect by themselves, as browsers do.
      await Promise.all(devices.map((d) => d.client.disconnect()));
      await relay.close();
      relay = await start({ ...relayOptions, port: relay.port });
    },
    async close() {
      await Promise.all([...devices.map((d) => d.client.close().catch(() => undefined)), ...patients.map((p) => p.close().catch(() => undefined))]);
      await relay.close();
    },
  };
  return clinic;
}
