// Puts the harness's app into a clinic, as its front desk (or another role): a second app in
// this process sets up the clinic on "its" computer (embedded relay on loopback), invites the
// harness's account, and approves it. A clinician device runs headless, for checks that need
// someone on the other side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type HeadlessDevice, HeadlessPatient, openDevice } from '../../tools/headless';
import { type StaffRole } from '../../src/shared/roles';
import { type TestApp, startTestApp } from '../support/main-app';
import { type Harness } from './harness';
import { clinicDetails } from '../support/clinic-details';

export const deskPassphrase = 'copper lantern orbit meadow 47';

type Call = <T>(channel: string, payload?: unknown) => Promise<T>;
type Template = { document: { version: string; sections: { id: string }[] }; textHash: string };
export type Person = { givenName: string; familyName: string; dateOfBirth: string };

/**
 * Registers a patient and records their signed consent through a registrar's router (every
 * section acknowledged, a typed signature), as the front desk's screens do. Returns the
 * record and the enrollment code from the receipt.
 */
export async function recordConsent(call: Call, person: Person, granted: readonly string[] = ['clinical', 'reminders']): Promise<{ patientId: string; recordId: string; code: string }> {
  const patient = await call<{ id: string }>('patients:register', person);
  const { document, textHash } = await call<Template>('consent:template', { language: 'en' });
  const receipt = await call<{ record: { recordId: string }; enrollment: { code: string } | null }>('consent:record', {
    patientId: patient.id,
    language: 'en',
    textVersion: document.version,
    textHash,
    acknowledged: document.sections.map((s) => s.id),
    identityMethod: 'photo-id',
    identityNote: 'Health card',
    choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: granted.includes(scope) })),
    excludedTopics: [],
    signature: { kind: 'typed', name: `${person.givenName} ${person.familyName}` },
    decisionMaker: null,
  });
  return { patientId: patient.id, recordId: receipt.record.recordId, code: receipt.enrollment?.code ?? '' };
}

export type ClinicSetup = {
  readonly admin: TestApp;
  readonly clinician: HeadlessDevice;
  readonly relayUrl: string;
  /** Adds a headless patient device that redeems an enrollment code. */
  patientDevice(code: string): Promise<HeadlessPatient>;
  close(): Promise<void>;
};

async function call<T>(app: Harness, channel: string, payload: unknown = {}): Promise<T> {
  const result = await app.router.dispatch(channel, payload, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

export async function joinClinicAs(app: Harness, options: { role?: StaffRole; name?: string; clinicName?: string; withoutDetails?: boolean } = {}): Promise<ClinicSetup> {
  const devicesDir = mkdtempSync(join(tmpdir(), 'cm-e2e-devices-'));
  const admin = await startTestApp({ now: app.now });
  await admin.call('profiles:create', { displayName: 'IT', passphrase: 'granite puffin lantern ninety' });
  const { relayUrl } = await admin.call<{ relayUrl: string }>('clinic:set-up', {
    where: 'this-computer',
    clinicName: options.clinicName ?? 'Lakeside Family Clinic',
    yourName: 'Robin Admin',
    timeZone: 'America/Toronto',
    ...(options.withoutDetails ? {} : { details: clinicDetails }),
  });
  await call(app, 'profiles:create', { displayName: options.name ?? 'Sam Rivera', passphrase: deskPassphrase });
  const code = await admin.clinic.client().createInvite({ staffId: 'staff-sam', displayName: options.name ?? 'Sam Rivera', role: options.role ?? 'front-desk' });
  await call(app, 'clinic:join', { relayUrl, inviteCode: code });
  await admin.clinic.client().approvePendingDevices();
  await call(app, 'clinic:check-approval');

  const clinician = await openDevice(devicesDir, 'dr', undefined, app.now);
  await clinician.client.redeemInvite({ relayUrl, code: await admin.clinic.client().createInvite({ staffId: 'dr-lee', displayName: 'Dr Lee', role: 'clinician' }) });
  await admin.clinic.client().approvePendingDevices();
  await clinician.client.completeJoin();
  const patients: HeadlessPatient[] = [];

  return {
    admin,
    clinician,
    relayUrl,
    async patientDevice(enrollmentCode) {
      const device = await HeadlessPatient.enroll({ name: `patient-${patients.length}`, dir: devicesDir, relayUrl, code: enrollmentCode, now: app.now });
      patients.push(device);
      return device;
    },
    async close() {
      await clinician.client.close().catch(() => undefined);
      for (const device of patients) await device.close().catch(() => undefined);
      await admin.close();
      rmSync(devicesDir, { recursive: true, force: true });
    },
  };
}
