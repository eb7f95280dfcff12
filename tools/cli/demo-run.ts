// The scenario behind `npm run demo`: a relay in a temporary folder, a clinic set up by its
// first IT admin, a clinician, a front-desk device and an enrolled patient, messages both
// ways. Returns what the demo prints; the integration test runs the same function.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startHeadlessClinic } from '../headless';

export type DemoResult = {
  readonly relayDataDir: string;
  readonly devicesDir: string;
  readonly fingerprint: string;
  readonly messageCount: number;
  /** What was written, so a reader can check the relay's folder holds none of it. */
  readonly samples: readonly string[];
};

const conversation: readonly { from: 'patient' | 'clinician'; body: string }[] = [
  { from: 'patient', body: 'Hello, the new blood pressure tablets make me dizzy in the morning.' },
  { from: 'clinician', body: 'Thank you for telling us. Take them in the evening from today and note your readings.' },
  { from: 'patient', body: 'Evening dose tried for three days, readings around 128 over 82.' },
  { from: 'clinician', body: 'Those readings are good. Keep the evening dose; we will review at your next visit.' },
];

export async function runDemo(dir = mkdtempSync(join(tmpdir(), 'clinic-messenger-demo-'))): Promise<DemoResult> {
  const clinic = await startHeadlessClinic({ dir, clinicName: 'Demo Family Practice' });
  try {
    const frontDesk = await clinic.addStaff('front-desk', 'front-desk');
    const clinician = await clinic.addStaff('clinician', 'clinician');
    const patient = await clinic.addPatient('patient', 'demo-patient-1', frontDesk);
    await clinician.client.verifiedDirectory(true);
    for (const line of conversation) {
      if (line.from === 'patient') {
        await patient.send(line.body);
        await clinician.client.sync();
      } else {
        await clinician.client.send({ patientId: 'demo-patient-1', body: line.body });
        await patient.sync();
      }
    }
    await clinician.client.sync();
    await patient.sync();
    const seenByClinician = clinician.client.messages('demo-patient-1').map((m) => m.body);
    const seenByPatient = patient.messages().map((m) => m.body);
    const expected = conversation.map((l) => l.body);
    if (JSON.stringify(seenByClinician) !== JSON.stringify(expected) || JSON.stringify(seenByPatient) !== JSON.stringify(expected)) {
      throw new Error('The demo conversation did not arrive complete and in order on both sides.');
    }
    return { relayDataDir: clinic.relayDir, devicesDir: clinic.devicesDir, fingerprint: clinician.client.fingerprint, messageCount: expected.length, samples: expected };
  } finally {
    await clinic.close();
  }
}
