// Patient cards (ADR 12) against a real relay: the front desk's card reaches clinicians and
// IT admins through the records key, never a patient; the relay keeps only the newest card;
// it refuses cards from the wrong roles, with the wrong recipients, or a broken signature.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, describe, expect, it } from 'vitest';

import { type HeadlessClinic, startHeadlessClinic } from '../../tools/headless';
import { RelayError } from '../../src/main/network/relay-connection';
import { toBase64 } from '../../src/shared/protocol/encoding';
import { sealEnvelope } from '../../src/shared/protocol/envelope';
import { CARD_SCOPE, cardMessageId } from '../../src/shared/protocol/patient-card';
import { identityOf, rawLogin, secretKeyOf } from '../support/raw-relay';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function clinic(): Promise<HeadlessClinic> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-cards-'));
  const c = await startHeadlessClinic({ dir });
  cleanups.push(async () => {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return c;
}

const card = { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02', decisionMaker: null };

describe('patient cards', () => {
  it('reach clinicians and a second front desk, newest wins, and never a patient', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const desk2 = await c.addStaff('desk2', 'front-desk');
    const doctor = await c.addStaff('doctor', 'clinician');
    const patient = await c.addPatient('alex', 'pAlex', desk);

    await desk.client.publishCard('pAlex', card);
    await doctor.client.sync();
    await desk2.client.sync();
    await c.admin.client.sync();
    expect(doctor.client.patientCards().get('pAlex')).toEqual({ v: 1, ...card });
    expect(desk2.client.patientCards().get('pAlex')).toEqual({ v: 1, ...card });
    expect(c.admin.client.patientCards().get('pAlex')).toEqual({ v: 1, ...card });

    // A correction replaces the card everywhere.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await desk2.client.publishCard('pAlex', { ...card, familyName: 'Martin-Roy' });
    await doctor.client.sync();
    expect(doctor.client.patientCards().get('pAlex')?.familyName).toBe('Martin-Roy');

    // A patient cannot list cards; a clinician cannot publish one.
    const raw = await rawLogin(c.relay.url, patient);
    cleanups.push(() => raw.connection.close());
    await expect(raw.connection.request('card.list', { after: 0 })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(doctor.client.publishCard('pAlex', card)).rejects.toMatchObject({ code: 'not-allowed' });
  });

  it('refuses a card sealed to a patient device, with a forged signature, or for a patient without consent', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const doctor = await c.addStaff('doctor', 'clinician');
    const patient = await c.addPatient('alex', 'pAlex', desk);
    await sodium.ready;
    const directory = await desk.client.verifiedDirectory(true);
    const epoch = directory.epoch!;
    const raw = await rawLogin(c.relay.url, desk);
    cleanups.push(() => raw.connection.close());
    const patientBox = [...directory.devices.values()].find((d) => d.kind === 'patient')!.boxKey;
    const seal = (patientId: string, extra: { to: string; boxPublicKey: Uint8Array }[] = []) =>
      sealEnvelope(sodium, {
        messageId: cardMessageId(patientId, Date.now()),
        conversationId: patientId,
        patientId,
        senderDeviceId: raw.identity.deviceId,
        sentAt: Date.now(),
        scope: CARD_SCOPE,
        recordsEpoch: epoch.epoch,
        body: new TextEncoder().encode(JSON.stringify({ v: 1, ...card })),
        recipients: [{ to: `records:${epoch.epoch}`, boxPublicKey: Buffer.from(epoch.publicKey, 'base64') }, ...extra],
        senderSigningKey: secretKeyOf(raw.identity),
      });
    const refused = async (envelope: unknown, code: string) => {
      const error = await raw.connection.request('card.publish', { card: envelope as never }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RelayError);
      expect((error as RelayError).code).toBe(code);
    };
    await refused(seal('pAlex', [{ to: identityOf(patient).deviceId, boxPublicKey: patientBox }]), 'invalid');
    const forged = seal('pAlex');
    const signature = Buffer.from(forged.signature, 'base64');
    signature[0] = (signature[0] ?? 0) ^ 1;
    await refused({ ...forged, signature: toBase64(signature) }, 'bad-signature');
    await refused(seal('pNobody'), 'not-found');
    // A card is not a message: the clinician's sync never sees it as one.
    await raw.connection.request('card.publish', { card: seal('pAlex') });
    await doctor.client.sync();
    expect(doctor.client.messages()).toHaveLength(0);
    expect(doctor.client.patientCards().get('pAlex')?.givenName).toBe('Alex');
  });
});
