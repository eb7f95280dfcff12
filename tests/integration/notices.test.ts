// Reminders and newsletters by consent scope (ADR 18), on loopback: the front desk sends an
// appointment reminder to a patient who agreed to reminders and it reaches their portal's
// "Reminders" list, not the care conversation; a patient without the scope is refused on the
// front desk's computer and, sealed by hand, at the relay; a newsletter is sealed per
// patient, reaches those who agreed, counts the others as refused with the reason, and
// resumes after the relay went away without sending anyone a copy twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClientError } from '../../src/main/network/clinic-client';
import { RelayError } from '../../src/main/network/relay-connection';
import { sealMessage } from '../../src/shared/protocol/delivery';
import { type Envelope } from '../../src/shared/protocol/envelope';
import { type HeadlessClinic, startHeadlessClinic } from '../../tools/headless';
import { rawLogin, secretKeyOf } from '../support/raw-relay';

const dirs: string[] = [];
const clinics: HeadlessClinic[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(clinics.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clinic(): Promise<HeadlessClinic> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-notices-'));
  dirs.push(dir);
  const c = await startHeadlessClinic({ dir, relay: { connectionRate: { capacity: 1000, refillPerSecond: 100 } } });
  clinics.push(c);
  return c;
}

const rejects = async <E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E, code: string): Promise<E> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as { code: string }).code).toBe(code);
  return error as E;
};

describe('reminders and newsletters by consent scope', () => {
  it('a reminder reaches a patient who agreed, in its own list; without the scope main refuses, and the relay refuses again', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const dr = await c.addStaff('dr', 'clinician');
    const ana = await c.addPatient('ana', 'pat-ana', desk, ['clinical', 'reminders']);
    const ben = await c.addPatient('ben', 'pat-ben', desk, ['clinical']);

    const sent = await desk.client.notices.sendReminder('pat-ana', 'Reminder: your appointment is on Tuesday 8 December at 9:30.');
    expect(sent).toMatchObject({ kind: 'reminder', total: 1, sent: 1, refused: 0, queued: 0, finished: true });
    await ana.sync();
    const notice = ana.messages().find((m) => m.body.startsWith('Reminder: your appointment'));
    expect(notice).toMatchObject({ scope: 'reminders', outgoing: false });

    // The clinician's inbox: a reminder is neither an answer nor something to answer.
    await ana.send('Can I bring my daughter?');
    await dr.client.sync();
    expect(dr.client.messages('pat-ana').map((m) => m.body)).toEqual(['Can I bring my daughter?']);
    await desk.client.notices.sendReminder('pat-ana', 'Reminder: bring your health card.');
    await dr.client.sync();
    expect(dr.client.local.inbox.conversation('pat-ana')?.waitingSince).not.toBeNull();

    // Ben never agreed to reminders: refused on the front desk's computer…
    await rejects(desk.client.notices.sendReminder('pat-ben', 'Reminder: flu clinic on Saturday.'), ClientError, 'no-consent');
    // …and, sealed by hand past that check, at the relay.
    const raw = await rawLogin(c.relay.url, desk);
    cleanups.push(() => raw.connection.close());
    const directory = await desk.client.verifiedDirectory(true);
    const forBen = sealMessage(sodium, directory, { messageId: 'mByHand00001', patientId: 'pat-ben', senderDeviceId: raw.identity.deviceId, scope: 'reminders', body: 'Reminder: flu clinic on Saturday.', sentAt: Date.now() }, secretKeyOf(raw.identity));
    const refused = await rejects(raw.connection.request('notice.send', { envelope: (forBen as { envelope: Envelope }).envelope }), RelayError, 'no-consent');
    expect(refused.message).toContain('"reminders"');
    await ben.sync();
    expect(ben.messages()).toEqual([]);

    // Only registrars send notices; a notice is never a clinician's message, nor a patient's.
    const drRaw = await rawLogin(c.relay.url, dr);
    cleanups.push(() => drRaw.connection.close());
    const forAna = (scope: string, sender = raw.identity): Envelope =>
      (sealMessage(sodium, directory, { messageId: `m${Math.random().toString(36).slice(2, 12)}`, patientId: 'pat-ana', senderDeviceId: sender.deviceId, scope, body: 'Hello', sentAt: Date.now() }, secretKeyOf(sender)) as { envelope: Envelope }).envelope;
    await rejects(drRaw.connection.request('notice.send', { envelope: forAna('reminders', drRaw.identity) }), RelayError, 'forbidden');
    await rejects(drRaw.connection.request('message.send', { envelope: forAna('reminders', drRaw.identity) }), RelayError, 'invalid');
    await rejects(raw.connection.request('notice.send', { envelope: forAna('clinical') }), RelayError, 'invalid');
    await rejects(raw.connection.request('message.send', { envelope: forAna('reminders') }), RelayError, 'forbidden');
  }, 60_000);

  it('a newsletter is sealed per patient, counts who was refused and why, and resumes without a duplicate', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const patients = [];
    for (let i = 0; i < 6; i++) patients.push(await c.addPatient(`p${i}`, `pat-${i}`, desk, i % 3 === 2 ? ['clinical'] : ['clinical', 'newsletters']));
    // One who agreed but never connected a device.
    await desk.client.enrollPatient({ patientId: 'pat-nodevice', scopes: ['clinical', 'newsletters'] });

    await expect(desk.client.notices.createNewsletter('   ')).rejects.toMatchObject({ code: 'empty' });
    await expect(desk.client.notices.createNewsletter('x'.repeat(20_001))).rejects.toMatchObject({ code: 'too-long' });
    const created = await desk.client.notices.createNewsletter('Our winter newsletter: flu shots are here.');
    expect(created).toMatchObject({ total: 7, sent: 0, refused: 3, queued: 4, reasons: { 'no-scope': 2, 'no-device': 1 } });

    // The relay is away: the run stops, everything stays queued; once it is back the run goes on.
    await c.relay.close();
    await desk.client.disconnect();
    await expect(desk.client.notices.run(created.campaignId)).rejects.toBeInstanceOf(RelayError);
    expect(desk.client.notices.progress(created.campaignId)).toMatchObject({ sent: 0, queued: 4, finished: false });
    await c.restartRelay();
    const first = await desk.client.notices.run(created.campaignId);
    expect(first).toMatchObject({ total: 7, sent: 4, refused: 3, queued: 0, finished: true, reasons: { 'no-scope': 2, 'no-device': 1 } });
    for (const [i, p] of patients.entries()) {
      await p.sync();
      expect(p.messages().filter((m) => m.scope === 'newsletters').length).toBe(i % 3 === 2 ? 0 : 1);
    }

    // A second run of the same newsletter sends nothing again.
    const again = await desk.client.notices.run(created.campaignId);
    expect(again).toMatchObject({ sent: 4, refused: 3, queued: 0 });
    for (const p of patients) {
      await p.sync();
      expect(p.messages().filter((m) => m.scope === 'newsletters').length).toBeLessThanOrEqual(1);
    }
  }, 60_000);
});
