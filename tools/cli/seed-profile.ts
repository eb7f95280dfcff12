// Builds, in an app data folder, what the app opens as a working clinic: an IT admin's
// account that set the clinic up on this computer (embedded relay), a clinician's account
// that joined it and was approved, `patients` patients with consent and card on the relay,
// and `messages` messages in the clinician's device store. Everything goes through the app's
// own services (router, profiles, clinic membership), as the app would do it.
import { relayWsUrl } from '../../src/main/network/relay-connection';
import { createMemoryLogger } from '../../src/main/log';
import { noKeystore } from '../../src/main/profiles/device-keystore';
import { createMainServices } from '../../src/main/services/main-services';
import { planMessages, seedDirectory, seedMessages, seedPatients } from './seed-inbox';

export type SeedResult = {
  /** The clinician's account: the one to unlock to see the inbox. */
  readonly profileId: string;
  readonly adminProfileId: string;
  readonly relayUrl: string;
  readonly patients: number;
  readonly conversations: number;
  readonly messages: number;
  readonly needsAnswer: number;
  /** Exact strings that were written (names, message bodies), for the tests that prove none reaches the disk in the clear. */
  readonly samples: readonly string[];
  readonly seconds: number;
};

const origin = 'app://renderer';

/** Both accounts get the same passphrase. */
export async function seedProfile(options: {
  dataDir: string;
  passphrase: string;
  clinicName?: string;
  adminName?: string;
  clinicianName?: string;
  patients: number;
  messages: number;
  /** Progress lines (the command prints them; tests stay quiet). */
  say?: (line: string) => void;
}): Promise<SeedResult> {
  const started = performance.now();
  const say = options.say ?? (() => undefined);
  const clinicianName = options.clinicianName ?? 'Dr Alex Morin';
  const services = createMainServices({
    dataDir: options.dataDir,
    appInfo: {
      name: 'Clinic Messenger',
      version: '0.1.0',
      host: 'browser-harness',
      packaged: false,
      build: { commit: 'seed', date: new Date().toISOString().slice(0, 10) },
      runtime: { node: process.versions.node, electron: null, chrome: null, platform: process.platform, arch: process.arch },
    },
    shell: () => ({ kind: 'browser-harness' }),
    trustedOrigins: [origin],
    log: createMemoryLogger(),
    keystore: noKeystore,
    dialogs: { chooseBackupDestination: async () => null, chooseBackupToRestore: async () => null, chooseReceiptDestination: async () => null, chooseAttachmentDestination: async () => null, chooseExportDestination: async () => null },
    emit: () => undefined,
  });
  const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
    const result = await services.router.dispatch(channel, payload, { origin });
    if (!result.ok) throw Object.assign(new Error(`${channel}: ${result.error.message}`), { code: result.error.code });
    return result.value as T;
  };
  try {
    say('seed: setting up the clinic on this computer');
    const admin = await call<{ profile: { id: string } }>('profiles:create', { displayName: options.adminName ?? 'IT Admin', passphrase: options.passphrase });
    const { relayUrl } = await call<{ relayUrl: string }>('clinic:set-up', {
      where: 'this-computer',
      clinicName: options.clinicName ?? 'Lakeside Clinic',
      yourName: options.adminName ?? 'IT Admin',
      timeZone: 'America/Toronto',
      details: { phone: '+1 613 555 0142', emergencyNumber: '911', emergencyDepartment: 'Lakeside General Hospital, 200 Shore Road', opens: '08:30', closes: '17:00' },
    });
    const inviteCode = await services.clinic.client().createInvite({ staffId: 'clinician-1', displayName: clinicianName, role: 'clinician' });
    await call('session:lock');

    say(`seed: ${clinicianName} joins the clinic`);
    const clinician = await call<{ profile: { id: string } }>('profiles:create', { displayName: clinicianName, passphrase: options.passphrase });
    await call('clinic:join', { relayUrl, inviteCode });
    await call('session:lock');

    say(`seed: the IT admin approves the clinician and registers ${options.patients} patients`);
    await call('profiles:unlock', { profileId: admin.profile.id, passphrase: options.passphrase });
    await services.clinic.client().approvePendingDevices();
    const patients = seedPatients(options.patients);
    await seedDirectory(services.clinic.client(), relayWsUrl(relayUrl), patients);
    await call('session:lock');

    say(`seed: writing ${options.messages} messages into the clinician's inbox`);
    await call('profiles:unlock', { profileId: clinician.profile.id, passphrase: options.passphrase });
    const status = await call<{ state: string }>('clinic:check-approval');
    if (status.state !== 'member') throw new Error(`The clinician was not approved (${status.state}).`);
    const client = services.clinic.client();
    await client.sync();
    const plan = planMessages(options.patients, Math.max(options.messages, options.patients));
    const seeded = seedMessages(client, patients, plan, Date.now());
    const bodies = client.local.messages(patients[0]?.patientId).slice(0, 3).map((m) => m.body);
    await call('session:lock');
    return {
      profileId: clinician.profile.id,
      adminProfileId: admin.profile.id,
      relayUrl,
      patients: patients.length,
      conversations: patients.length,
      messages: seeded.messages,
      needsAnswer: seeded.needsAnswer,
      samples: [...patients.slice(0, 3).flatMap((p) => [`${p.card.givenName} ${p.card.familyName}`, p.card.familyName]), ...bodies],
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await services.session.lock('manual').catch(() => undefined);
    await services.clinic.close();
  }
}
