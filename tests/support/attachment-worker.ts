// A clinician's computer moving one attachment in its own process, for the kill -9 test
// (tests/integration/attachments-crash.test.ts).
//   upload DIR NAME KEY_HEX PATIENT_ID BLOB_ID   sends a message carrying a staged file
//   download DIR NAME KEY_HEX                    syncs and fetches what is pending, printing progress
import { openDevice } from '../../tools/headless';

const [mode, dir, name, keyHex, patientId, blobId] = process.argv.slice(2);
if (!mode || !dir || !name || !keyHex) {
  console.error('usage: attachment-worker upload|download DIR NAME KEY_HEX [PATIENT_ID BLOB_ID]');
  process.exit(2);
}
const device = await openDevice(dir, name, Uint8Array.from(Buffer.from(keyHex, 'hex')));
console.log('ready');
if (mode === 'upload') {
  const sent = await device.client.send({ patientId: patientId as string, body: 'Your scan, as promised.', attachments: [blobId as string] });
  console.log(JSON.stringify({ state: sent.state }));
} else {
  const timer = setInterval(() => {
    for (const pending of device.client.local.attachments.fetching()) console.log(`held ${pending.blobId} ${pending.held}`);
  }, 2);
  await device.client.sync();
  await device.client.attachments.fetchPending();
  clearInterval(timer);
  console.log('done');
}
await device.client.close();
