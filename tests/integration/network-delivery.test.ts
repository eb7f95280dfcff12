// The clinic network on loopback: a real relay on port 0, real devices with their own
// encrypted stores, real libsodium. Messages both ways, every clinician device reads them,
// the relay keeps only ciphertext, receipts flow back, nothing is lost across a relay restart.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type HeadlessClinic, HeadlessPatient, startHeadlessClinic } from '../../tools/headless';
import { createMemoryRelayLogger } from '../../src/relay/log';
import { rawLogin } from '../support/raw-relay';

const dirs: string[] = [];
const clinics: HeadlessClinic[] = [];
afterEach(async () => {
  await Promise.all(clinics.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clinic(logger = createMemoryRelayLogger()): Promise<HeadlessClinic & { logger: ReturnType<typeof createMemoryRelayLogger> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-net-'));
  dirs.push(dir);
  const c = await startHeadlessClinic({ dir, relay: { logger } });
  clinics.push(c);
  return Object.assign(c, { logger });
}

const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function expectAbsent(samples: readonly string[], files: readonly string[], extra: readonly string[] = []): void {
  for (const sample of samples) {
    const needles = [Buffer.from(sample, 'utf8'), Buffer.from(sample, 'utf16le')];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) expect(bytes.includes(needle), `${sample} found in ${file}`).toBe(false);
    }
    for (const text of extra) expect(text.includes(sample)).toBe(false);
  }
}

describe('clinic network on loopback', () => {
  it('delivers both ways, decrypted on the patient and on every clinician device, with receipts', async () => {
    const c = await clinic();
    const frontDesk = await c.addStaff('desk', 'front-desk');
    const drA = await c.addStaff('dr-a', 'clinician');
    const drB = await c.addStaff('dr-b', 'clinician');
    const patient = await c.addPatient('patient', 'pat-1', frontDesk);
    await drA.client.verifiedDirectory(true);

    const question = 'My rash is spreading since Tuesday, should I come in?';
    const sent = await patient.send(question);
    expect(sent.state).toBe('sent');
    expect(sent.seq).toBe(1);

    for (const dr of [drA, drB, c.admin]) {
      await dr.client.sync();
      const got = dr.client.messages('pat-1');
      expect(got.map((m) => m.body)).toEqual([question]);
      expect(got[0]).toMatchObject({ outgoing: false, state: 'received', senderDeviceId: patient.deviceId, seq: 1 });
    }

    const answer = 'Please book a visit today; the front desk will call you.';
    const reply = await drA.client.send({ patientId: 'pat-1', body: answer });
    expect(reply.state).toBe('sent');
    await patient.sync();
    expect(patient.messages().map((m) => m.body)).toEqual([question, answer]);
    await drB.client.sync();
    expect(drB.client.messages('pat-1').map((m) => m.body)).toEqual([question, answer]);

    // Receipts: the patient's device acknowledged delivery on sync; reading sends "read".
    await drA.client.sync();
    expect(drA.client.message(reply.messageId)?.state).toBe('delivered');
    await patient.markRead(reply.messageId);
    await drA.client.sync();
    expect(drA.client.message(reply.messageId)?.state).toBe('read');
    await patient.sync();
    expect(patient.message(sent.messageId)?.state).toMatch(/delivered|read/);

    // The relay's disk and logs hold no plaintext; the devices' stores are encrypted too.
    await c.close();
    clinics.splice(clinics.indexOf(c), 1);
    expectAbsent([question, answer, 'rash is spreading'], filesUnder(c.relayDir), c.logger.lines);
    expectAbsent([question, answer], filesUnder(c.devicesDir));
    expect(c.logger.lines.join('\n')).not.toContain('pat-1');
  });

  it('carries the patient’s "send it anyway" urgent mark inside the encryption: the clinic reads the text and the mark, the relay neither', async () => {
    const c = await clinic();
    const frontDesk = await c.addStaff('desk', 'front-desk');
    const dr = await c.addStaff('dr', 'clinician');
    const patient = await c.addPatient('patient', 'pat-1', frontDesk);
    await dr.client.verifiedDirectory(true);
    const text = 'Crushing pressure in my chest since an hour';
    const queued = await patient.client.send(text, { urgent: true });
    expect(queued.urgent).toBe(true);
    await patient.client.flush();
    await dr.client.sync();
    expect(dr.client.messages('pat-1').map((m) => m.body)).toEqual([text]);
    expect(patient.messages()[0]).toMatchObject({ body: text, urgent: true });
    expectAbsent([text, 'cm-body', '"urgent"', 'pressure in my chest'], filesUnder(c.relayDir), c.logger.lines);
  });

  it('de-duplicates: a replayed message frame is stored once and arrives once', async () => {
    const c = await clinic();
    const frontDesk = await c.addStaff('desk', 'front-desk');
    const dr = await c.addStaff('dr', 'clinician');
    const patient = await c.addPatient('patient', 'pat-1', frontDesk);
    await dr.client.verifiedDirectory(true);
    const sent = await dr.client.send({ patientId: 'pat-1', body: 'Your results are normal.' });
    expect(sent.state).toBe('sent');
    await patient.sync();
    expect(patient.messages()).toHaveLength(1);
    // Replay the identical envelope (as after a lost acknowledgement): same seq, nothing new.
    const captured = await rawLogin(c.relay.url, patient);
    const { items } = await captured.connection.request('sync', { after: 0 });
    const envelope = items.find((i) => i.kind === 'message')?.envelope;
    expect(envelope?.header.messageId).toBe(sent.messageId);
    await captured.connection.close();
    const sender = await rawLogin(c.relay.url, dr);
    expect(await sender.connection.request('message.send', { envelope: envelope! })).toEqual({ seq: sent.seq, relaySeq: sent.relaySeq, duplicate: true });
    await sender.connection.close();
    await patient.sync();
    expect(patient.messages()).toHaveLength(1);
  });

  it('keeps queued messages across a relay outage and a client restart, and loses or duplicates nothing acknowledged', async () => {
    const c = await clinic();
    const frontDesk = await c.addStaff('desk', 'front-desk');
    const dr = await c.addStaff('dr', 'clinician');
    const patient = await c.addPatient('patient', 'pat-1', frontDesk);
    await dr.client.verifiedDirectory(true);
    const before = [];
    for (let i = 0; i < 5; i += 1) before.push(await patient.send(`before ${i}`));
    expect(before.every((m) => m.state === 'sent')).toBe(true);

    // The relay goes away: the patient keeps writing, messages wait in the outbox.
    await c.relay.close();
    const during = [];
    for (let i = 0; i < 3; i += 1) during.push(await patient.send(`during ${i}`));
    expect(during.every((m) => m.state === 'queued')).toBe(true);
    expect(patient.outboxSize()).toBe(3);

    await c.restartRelay();
    // The patient's app restarts too: the outbox is on disk, encrypted.
    await patient.close();
    const reopened = await HeadlessPatient.reopen(patient, { connect: false });
    expect(reopened.outboxSize()).toBe(3);
    // Backoff: the items become due within a few seconds of the failed attempt.
    await waitFor('outbox flushed', async () => {
      await reopened.flushOutbox().catch(() => undefined);
      return reopened.outboxSize() === 0;
    }, 15_000);

    await dr.client.sync();
    const bodies = dr.client.messages('pat-1').map((m) => m.body);
    expect(bodies).toEqual([...before.map((m) => m.body), ...during.map((m) => m.body)]);
    expect(dr.client.messages('pat-1').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await reopened.close();
  });
});

