// The scenario behind `npm run demo`: a relay in a temporary folder, a clinic set up by its
// first IT admin, a clinician, a front-desk device and an enrolled patient, messages both
// ways, and one attachment each way (a patient's photo, the clinic's instructions). Returns
// what the demo prints; the integration test runs the same function.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { memoryFile } from '../../tests/support/files';
import { startHeadlessClinic } from '../headless';

export type DemoResult = {
  readonly relayDataDir: string;
  readonly devicesDir: string;
  readonly fingerprint: string;
  readonly messageCount: number;
  readonly attachmentCount: number;
  /** What was written, and a line from inside each attachment, so a reader can check the relay's folder holds none of it. */
  readonly samples: readonly string[];
};

/** A file's bytes with a line of text inside, so its plaintext can be searched for. */
const withText = (magic: readonly number[], text: string, size: number): Uint8Array => {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  bytes.set(magic, 0);
  bytes.set(new TextEncoder().encode(text), 1024);
  return bytes;
};
const PHOTO_TEXT = 'demo-photo: swollen left ankle, day three';
const PDF_TEXT = 'Ankle care sheet: rest, ice, compression, elevation.';

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
    const rules = (await clinic.admin.client.verifiedDirectory(true)).rules;
    if (rules) await clinic.admin.client.publishPolicy({ ...rules, security: { ...rules.security, patientAttachments: true } });
    const patient = await clinic.addPatient('patient', 'demo-patient-1', frontDesk, ['clinical', 'attachments']);
    await clinician.client.verifiedDirectory(true);
    await patient.verifiedDirectory();
    for (const line of conversation) {
      if (line.from === 'patient') {
        await patient.send(line.body);
        await clinician.client.sync();
      } else {
        await clinician.client.send({ patientId: 'demo-patient-1', body: line.body });
        await patient.sync();
      }
    }
    // One attachment each way: the patient's photo (a JPEG's first bytes, then random), the clinic's PDF.
    const photo = withText([0xff, 0xd8, 0xff, 0xe0], PHOTO_TEXT, 300_000);
    const sentPhoto = await patient.client.send('A photo of the ankle this morning.', { files: [memoryFile('ankle.jpg', 'image/jpeg', photo)] });
    await patient.client.flush();
    await clinician.client.sync();
    await clinician.client.attachments.fetchPending();
    const photoId = sentPhoto.attachments?.[0]?.blobId ?? '';
    const photoAtClinic = clinician.client.attachments.open(photoId).bytes;
    const pdf = withText([...new TextEncoder().encode('%PDF-1.4\n')], PDF_TEXT, 40_000);
    const staged = await clinician.client.attachments.stage({ patientId: 'demo-patient-1', name: 'Ankle care.pdf', bytes: pdf, alreadyStaged: 0 });
    await clinician.client.send({ patientId: 'demo-patient-1', body: 'Here is the care sheet.', attachments: [staged.blobId] });
    await clinician.client.sync();
    await patient.sync();
    const withFile = patient.messages().find((m) => m.body === 'Here is the care sheet.');
    const pdfAtPatient = Buffer.concat((await patient.client.openAttachment(withFile?.messageId ?? '', staged.blobId)).parts);
    if (!Buffer.from(photoAtClinic).equals(Buffer.from(photo)) || !pdfAtPatient.equals(Buffer.from(pdf))) {
      throw new Error('An attachment did not arrive whole.');
    }
    const seenByClinician = clinician.client.messages('demo-patient-1').map((m) => m.body);
    const seenByPatient = patient.messages().map((m) => m.body);
    const expected = [...conversation.map((l) => l.body), 'A photo of the ankle this morning.', 'Here is the care sheet.'];
    if (JSON.stringify(seenByClinician) !== JSON.stringify(expected) || JSON.stringify(seenByPatient) !== JSON.stringify(expected)) {
      throw new Error('The demo conversation did not arrive complete and in order on both sides.');
    }
    return {
      relayDataDir: clinic.relayDir,
      devicesDir: clinic.devicesDir,
      fingerprint: clinician.client.fingerprint,
      messageCount: expected.length,
      attachmentCount: 2,
      samples: [...expected, PHOTO_TEXT, PDF_TEXT],
    };
  } finally {
    await clinic.close();
  }
}
