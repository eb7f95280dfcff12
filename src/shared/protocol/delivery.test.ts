import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { MAX_BODY_CHARS, bodyProblem, isFinalRefusal, nextState, openIncoming, retryDelayMs, sealMessage } from './delivery';
import { type VerifiedDevice } from './directory';
import { toBase64 } from './encoding';
import { type DeviceKeys, generateDeviceKeys } from './keys';

let clinician: DeviceKeys;
let phone: DeviceKeys;
let otherPhone: DeviceKeys;
let records: DeviceKeys;

beforeAll(async () => {
  await sodium.ready;
  [clinician, phone, otherPhone, records] = [generateDeviceKeys(sodium), generateDeviceKeys(sodium), generateDeviceKeys(sodium), generateDeviceKeys(sodium)];
});

const staff = (keys: DeviceKeys): VerifiedDevice => ({ deviceId: 'dClinician0001', kind: 'staff', role: 'clinician', patientId: null, signingKey: keys.signing.publicKey, boxKey: keys.box.publicKey });
const patientDevice = (deviceId: string, patientId: string, keys: DeviceKeys): VerifiedDevice => ({ deviceId, kind: 'patient', role: null, patientId, signingKey: keys.signing.publicKey, boxKey: keys.box.publicKey });

function directory() {
  const devices = new Map<string, VerifiedDevice>([
    ['dClinician0001', staff(clinician)],
    ['dPhone0000001', patientDevice('dPhone0000001', 'pat-a', phone)],
    ['dOtherPhone001', patientDevice('dOtherPhone001', 'pat-b', otherPhone)],
  ]);
  const epoch = { v: 1, clinicId: 'c1', epoch: 4, publicKey: toBase64(records.box.publicKey), issuedBy: 'dAdmin', issuedAt: 0, sealed: [], previous: null } as never;
  return { devices, epoch };
}

const reply = { messageId: 'mReply00000001', patientId: 'pat-a', senderDeviceId: 'dClinician0001', scope: 'clinical', body: 'Bonjour, c’est prêt ✓', sentAt: 1_764_000_000_000 };

describe('delivery rules', () => {
  it('refuses an empty or over-long body and accepts the longest allowed', () => {
    expect(bodyProblem('  \n ')).toBe('empty');
    expect(bodyProblem('x'.repeat(MAX_BODY_CHARS + 1))).toBe('too-long');
    expect(bodyProblem('x'.repeat(MAX_BODY_CHARS))).toBeNull();
  });

  it('moves a state only forward, and always to failed', () => {
    expect(nextState('read', 'delivered')).toBe('read');
    expect(nextState('sent', 'delivered')).toBe('delivered');
    expect(nextState('queued', 'sent')).toBe('sent');
    expect(nextState('read', 'failed')).toBe('failed');
  });

  it('gives up only on final refusals, and backs off with jitter up to its cap', () => {
    expect(isFinalRefusal('no-consent', 'message')).toBe(true);
    expect(isFinalRefusal('stale-records-key', 'message')).toBe(false);
    expect(isFinalRefusal('rate-limited', 'receipt')).toBe(false);
    expect(isFinalRefusal('not-found', 'receipt')).toBe(true);
    expect(retryDelayMs(0, 300_000, () => 0)).toBe(800);
    expect(retryDelayMs(0, 300_000, () => 1)).toBe(1200);
    expect(retryDelayMs(30, 30_000, () => 0.5)).toBe(30_000);
  });
});

describe('sealing and opening', () => {
  it('seals to the records key and the patient’s own devices only, and opens on both sides', async () => {
    const d = directory();
    const sealed = sealMessage(sodium, d, reply, clinician.signing.privateKey);
    expect(sealed?.patientDevices).toBe(1);
    const lookup = async (id: string) => d.devices.get(id) ?? null;
    const atPhone = await openIncoming(sodium, sealed!.envelope, lookup, { kind: 'patient', patientId: 'pat-a', deviceId: 'dPhone0000001', boxKeyPair: phone.box });
    expect(new TextDecoder().decode(atPhone?.body)).toBe(reply.body);
    expect(atPhone?.sender.deviceId).toBe('dClinician0001');
    const atClinic = await openIncoming(sodium, sealed!.envelope, lookup, { kind: 'records', recordsKey: (epoch) => (epoch === 4 ? records.box : null) });
    expect(new TextDecoder().decode(atClinic?.body)).toBe(reply.body);
    // Another patient's device cannot open it, and drops it as not theirs.
    expect(await openIncoming(sodium, sealed!.envelope, lookup, { kind: 'patient', patientId: 'pat-b', deviceId: 'dOtherPhone001', boxKeyPair: otherPhone.box })).toBeNull();
  });

  it('gives nothing to seal without a records key', () => {
    expect(sealMessage(sodium, { ...directory(), epoch: null }, reply, clinician.signing.privateKey)).toBeNull();
  });

  it('drops what it cannot trust: an unknown sender, a patient writing for another, a tampered body, no records key', async () => {
    const d = directory();
    const sealed = sealMessage(sodium, d, reply, clinician.signing.privateKey)!.envelope;
    const records4 = { kind: 'records' as const, recordsKey: (epoch: number) => (epoch === 4 ? records.box : null) };
    expect(await openIncoming(sodium, sealed, async () => null, records4)).toBeNull();
    expect(await openIncoming(sodium, sealed, async (id) => d.devices.get(id) ?? null, { kind: 'records', recordsKey: () => null })).toBeNull();
    const flipped = { ...sealed, ciphertext: `${sealed.ciphertext.startsWith('A') ? 'B' : 'A'}${sealed.ciphertext.slice(1)}` };
    expect(await openIncoming(sodium, flipped, async (id) => d.devices.get(id) ?? null, records4)).toBeNull();
    // A patient device that signs a message filed under another patient.
    const forged = sealMessage(sodium, d, { ...reply, senderDeviceId: 'dOtherPhone001', patientId: 'pat-a' }, otherPhone.signing.privateKey)!.envelope;
    expect(await openIncoming(sodium, forged, async (id) => d.devices.get(id) ?? null, records4)).toBeNull();
    expect(await openIncoming(sodium, { nonsense: true } as never, async () => null, records4)).toBeNull();
  });
});
