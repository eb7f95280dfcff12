// The clinician's inbox through the real router: a clinic on this computer, a front desk that
// records two consents (their patient cards reach the clinician), two patient devices that
// write, and a clinician app that lists, reads, answers with undo, keeps drafts across a
// lock, and is stopped by a withdrawal with the reason named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { defaultClinicRules } from '../../src/shared/protocol/clinic-rules';
import { type ConversationRow, type InboxList, type Thread, type ThreadMessage } from '../../src/shared/inbox';
import { HeadlessPatient } from '../../tools/headless';
import { type IncomingNotice } from '../../src/main/inbox/inbox-service';
import { type Clock, instant, instants, pinnedClock } from '../support/clock';
import { type TestApp, startTestApp } from '../support/main-app';
import { clinicDetails } from '../support/clinic-details';

const passphrase = 'granite puffin lantern ninety';
const dirs: string[] = [];
const apps: TestApp[] = [];
const devices: HeadlessPatient[] = [];
afterEach(async () => {
  for (const device of devices.splice(0)) await device.close().catch(() => undefined);
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-inbox-'));
  dirs.push(dir);
  return dir;
};
async function app(now: Clock, notices?: IncomingNotice[][]): Promise<TestApp> {
  const started = await startTestApp({ now, ...(notices ? { notify: (n: readonly IncomingNotice[]) => notices.push([...n]) } : {}) });
  apps.push(started);
  return started;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Template = { document: { version: string; sections: { id: string }[] }; textHash: string };

async function consentFor(desk: TestApp, patient: { givenName: string; familyName: string; dateOfBirth: string }): Promise<{ patientId: string; code: string }> {
  const { id } = await desk.call<{ id: string }>('patients:register', patient);
  const { document, textHash } = await desk.call<Template>('consent:template', { language: 'en' });
  const receipt = await desk.call<{ enrollment: { code: string } | null }>('consent:record', {
    patientId: id,
    language: 'en',
    textVersion: document.version,
    textHash,
    acknowledged: document.sections.map((s) => s.id),
    identityMethod: 'photo-id',
    identityNote: '',
    choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: scope === 'clinical' })),
    excludedTopics: [],
    signature: { kind: 'typed', name: `${patient.givenName} ${patient.familyName}` },
    decisionMaker: null,
  });
  return { patientId: id, code: receipt.enrollment?.code as string };
}

/** A clinic whose apps, relay and patient devices all read one clock, pinned to `at` (a weekday during opening hours unless said). */
async function clinic(options: { undoSendSeconds: number; notificationPreview?: 'nothing' | 'sender' | 'sender-and-text'; at?: string; holidays?: string[] }) {
  const now = pinnedClock(options.at ?? instants.weekdayOpen);
  const admin = await app(now);
  await admin.call('profiles:create', { displayName: 'IT', passphrase });
  const { relayUrl } = await admin.call<{ relayUrl: string }>('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin', timeZone: 'America/Toronto', details: clinicDetails });
  const rules = defaultClinicRules('Lakeside Clinic', 'America/Toronto', clinicDetails);
  await admin.call('clinic:update-rules', {
    rules: { ...rules, phone: '+1 555 0100', holidays: options.holidays ?? [], security: { ...rules.security, undoSendSeconds: options.undoSendSeconds, notificationPreview: options.notificationPreview ?? 'nothing' } },
  });
  const join = async (who: TestApp, role: 'front-desk' | 'clinician', name: string) => {
    await who.call('profiles:create', { displayName: name, passphrase });
    await who.call('clinic:join', { relayUrl, inviteCode: await admin.clinic.client().createInvite({ staffId: name.toLowerCase(), displayName: name, role }) });
    await admin.clinic.client().approvePendingDevices();
    await who.call('clinic:check-approval');
  };
  const desk = await app(now);
  await join(desk, 'front-desk', 'Desk');
  const notices: IncomingNotice[][] = [];
  const doctor = await app(now, notices);
  await join(doctor, 'clinician', 'Lee');
  const patient = async (code: string): Promise<HeadlessPatient> => {
    const device = await HeadlessPatient.enroll({ name: `patient-${devices.length}`, dir: tempDir(), relayUrl, code, now });
    devices.push(device);
    return device;
  };
  return { admin, desk, doctor, patient, notices, now };
}

const list = (doctor: TestApp, query = '', filter: 'all' | 'needs-answer' | 'unread' = 'all') => doctor.call<InboxList>('inbox:list', { query, filter });
const row = (inbox: InboxList, patientId: string): ConversationRow => inbox.rows.find((r) => r.patientId === patientId) as ConversationRow;

describe('the clinician inbox', () => {
  // While the clinic is closed every new message is due at the same moment (the next opening
  // plus the 16 business hours of the default rules): the patient who has waited longest must
  // still come first. Each case pins one instant in Toronto, and gives the due time expected.
  for (const [when, at, due] of [
    ['after closing on a weekday', instants.weekdayClosed, '2026-12-04T16:00:00-05:00'],
    ['on a Saturday night', instants.saturdayNight, '2026-12-08T16:00:00-05:00'],
    ['on a holiday', instants.holiday, '2026-12-29T16:00:00-05:00'],
    ['on the night the clocks spring forward', instants.springForwardNight, '2026-03-10T16:00:00-04:00'],
    ['on the night the clocks fall back', instants.fallBackNight, '2026-11-03T16:00:00-05:00'],
  ] as const) {
    it(`lists the longest wait first when messages arrive ${when}`, async () => {
      const { desk, doctor, patient, now } = await clinic({ undoSendSeconds: 0, at, holidays: ['2026-12-25'] });
      const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
      const bea = await consentFor(desk, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' });
      const cam = await consentFor(desk, { givenName: 'Cam', familyName: 'Ng', dateOfBirth: '1990-01-01' });
      const [alexPhone, beaPhone, camPhone] = [await patient(alex.code), await patient(bea.code), await patient(cam.code)];
      await beaPhone?.send('First to write tonight.');
      now.advance(20 * 60_000);
      await camPhone?.send('Second, twenty minutes later.');
      now.advance(20 * 60_000);
      await alexPhone?.send('Last one in.');
      await doctor.clinic.client().sync();
      const inbox = await list(doctor);
      expect(inbox.rows.map((r) => r.patientId)).toEqual([bea.patientId, cam.patientId, alex.patientId]);
      // The same due time for all three: the order comes from the wait alone.
      expect(inbox.rows.map((r) => r.replyDueAt)).toEqual(Array(3).fill(instant(due)));
    }, 60_000);
  }

  it('lists the soonest due first while the clinic is open', async () => {
    const { desk, doctor, patient, now } = await clinic({ undoSendSeconds: 0 });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const bea = await consentFor(desk, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' });
    const [alexPhone, beaPhone] = [await patient(alex.code), await patient(bea.code)];
    await beaPhone?.send('Written at ten.');
    now.advance(30 * 60_000);
    await alexPhone?.send('Written at half past ten.');
    await doctor.clinic.client().sync();
    const rows = (await list(doctor)).rows;
    expect(rows.map((r) => r.patientId)).toEqual([bea.patientId, alex.patientId]);
    // Half an hour apart, plus the real milliseconds the sends took.
    const apart = (rows[1]?.replyDueAt ?? 0) - (rows[0]?.replyDueAt ?? 0);
    expect(apart).toBeGreaterThanOrEqual(30 * 60_000);
    expect(apart).toBeLessThan(31 * 60_000);
  }, 60_000);

  it('lists patients by name with what needs an answer first, reads, answers with undo, and keeps drafts across a lock', async () => {
    const { desk, doctor, patient, notices } = await clinic({ undoSendSeconds: 1 });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const bea = await consentFor(desk, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' });
    const alexPhone = await patient(alex.code);
    const beaPhone = await patient(bea.code);

    // Before anyone writes: both patients are there, named from their cards, nothing to answer.
    await doctor.clinic.client().sync();
    let inbox = await list(doctor);
    expect(inbox.total).toBe(2);
    expect(row(inbox, alex.patientId)).toMatchObject({ name: 'Alex Martin', dateOfBirth: '1980-04-02', unread: 0, needsAnswer: false, enrolled: true, consent: { state: 'active', scopes: ['clinical'] } });

    await alexPhone.send('My refill ran out, can you renew it?');
    await alexPhone.send('It is the blood pressure one.');
    await beaPhone.send('Are the test results in?');
    await doctor.clinic.client().sync();
    inbox = await list(doctor);
    expect(inbox.rows.map((r) => [r.patientId, r.unread, r.needsAnswer])).toEqual([
      [alex.patientId, 2, true],
      [bea.patientId, 1, true],
    ]);
    const alexRow = row(inbox, alex.patientId);
    expect(alexRow.preview).toBe('It is the blood pressure one.');
    expect(alexRow.replyDueAt).toBeGreaterThan(alexRow.waitingSince as number);
    // Default policy: the notification names no one and shows no text.
    expect(notices.flat().length).toBe(3);
    expect(notices.flat().every((n) => n.patientName === null && n.body === '')).toBe(true);

    // Search by name (accents ignored), by date of birth, and by what was written.
    expect((await list(doctor, 'beatrice')).rows.map((r) => r.patientId)).toEqual([bea.patientId]);
    expect((await list(doctor, '1980-04')).rows.map((r) => r.patientId)).toEqual([alex.patientId]);
    expect((await list(doctor, 'blood pressure')).rows.map((r) => r.patientId)).toEqual([alex.patientId]);
    expect((await list(doctor, '', 'unread')).rows).toHaveLength(2);

    // Opening and reading the thread clears the count and tells the patient.
    let thread = await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId });
    expect(thread.messages.map((m) => [m.body, m.fromPatient, m.state])).toEqual([
      ['My refill ran out, can you renew it?', true, 'received'],
      ['It is the blood pressure one.', true, 'received'],
    ]);
    expect(thread.compose).toEqual({ allowed: true, blockedBy: null });
    expect(thread.undoSendSeconds).toBe(1);
    expect(await doctor.call('inbox:mark-read', { patientId: alex.patientId })).toEqual({ marked: 2 });
    expect(row(await list(doctor), alex.patientId).unread).toBe(0);
    expect((await list(doctor, '', 'unread')).rows.map((r) => r.patientId)).toEqual([bea.patientId]);
    await alexPhone.sync();
    expect(alexPhone.messages().map((m) => m.state)).toEqual(['read', 'read']);

    // A quick reply's placeholder never reaches the patient as literal braces: main refuses it.
    await expect(doctor.call('inbox:send', { patientId: alex.patientId, body: 'Hello {firstName}, please call us.' })).rejects.toMatchObject({ code: 'invalid-request', fields: { body: 'placeholder' } });

    // A reply waits for the undo window; undo gives the text back (and keeps it as the draft).
    const first = await doctor.call<ThreadMessage>('inbox:send', { patientId: alex.patientId, body: 'Renewed, pick it up tomorrow.' });
    expect(first).toMatchObject({ state: 'pending', mine: true });
    expect(await doctor.call('inbox:undo', { messageId: first.messageId })).toEqual({ undone: true, body: 'Renewed, pick it up tomorrow.', attachments: [] });
    expect((await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId })).draft).toBe('Renewed, pick it up tomorrow.');
    await sleep(1300);
    await alexPhone.sync();
    expect(alexPhone.messages()).toHaveLength(2); // nothing left

    const second = await doctor.call<ThreadMessage>('inbox:send', { patientId: alex.patientId, body: 'Renewed: pick it up tomorrow after 10.' });
    expect((await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages.at(-1)).toMatchObject({ messageId: second.messageId, state: 'pending' });
    expect(await doctor.call('inbox:undo', { messageId: 'mNotAPendingOne' })).toEqual({ undone: false, body: '', attachments: [] });
    await sleep(1500);
    thread = await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId });
    expect(thread.messages.at(-1)).toMatchObject({ messageId: second.messageId, mine: true, fromPatient: false });
    // The patient's device is connected: it may already have said "delivered".
    expect(['sent', 'delivered']).toContain(thread.messages.at(-1)?.state);
    expect(thread.draft).toBe('');
    await alexPhone.sync();
    expect(alexPhone.messages().at(-1)?.body).toBe('Renewed: pick it up tomorrow after 10.');
    await alexPhone.markRead(second.messageId);
    await doctor.clinic.client().sync();
    expect((await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages.at(-1)?.state).toBe('read');
    inbox = await list(doctor);
    expect(inbox.rows[0]?.patientId).toBe(bea.patientId); // Alex is answered now
    expect(row(inbox, alex.patientId)).toMatchObject({ needsAnswer: false, waitingSince: null, replyDueAt: null, lastFromPatient: false });

    // A draft is kept encrypted with the profile, across a lock.
    await doctor.call('inbox:save-draft', { patientId: bea.patientId, text: 'The results are' });
    expect(row(await list(doctor), bea.patientId).hasDraft).toBe(true);
    await doctor.call('session:lock');
    await expect(doctor.call('inbox:list', { query: '', filter: 'all' })).rejects.toMatchObject({ code: 'forbidden' });
    const [profile] = await doctor.call<{ id: string }[]>('profiles:list');
    await doctor.call('profiles:unlock', { profileId: profile?.id, passphrase });
    expect((await doctor.call<Thread>('inbox:thread', { patientId: bea.patientId })).draft).toBe('The results are');
  }, 60_000);

  it('sends a reply whose undo window ran out while the account was locked, once it is unlocked', async () => {
    const { desk, doctor, patient } = await clinic({ undoSendSeconds: 2 });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const phone = await patient(alex.code);
    await doctor.clinic.client().verifiedDirectory(true);
    await doctor.call('inbox:send', { patientId: alex.patientId, body: 'Please book a visit for next week.' });
    await doctor.call('session:lock');
    await sleep(2300);
    await phone.sync();
    expect(phone.messages()).toHaveLength(0);
    const [profile] = await doctor.call<{ id: string }[]>('profiles:list');
    await doctor.call('profiles:unlock', { profileId: profile?.id, passphrase });
    await expect.poll(async () => (await phone.sync(), phone.messages().map((m) => m.body)), { timeout: 5000 }).toEqual(['Please book a visit for next week.']);
  }, 60_000);

  it('closes the composer with the reason when consent is withdrawn or the patient has no device, and names senders only when the policy allows', async () => {
    const { desk, doctor, patient, notices } = await clinic({ undoSendSeconds: 0, notificationPreview: 'sender-and-text' });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const cam = await consentFor(desk, { givenName: 'Cam', familyName: 'Ng', dateOfBirth: '1990-01-01' });
    const phone = await patient(alex.code);
    await doctor.clinic.client().verifiedDirectory(true);

    // No device yet: the reply could not reach Cam.
    let thread = await doctor.call<Thread>('inbox:thread', { patientId: cam.patientId });
    expect(thread.compose).toEqual({ allowed: false, blockedBy: 'no-device' });
    await expect(doctor.call('inbox:send', { patientId: cam.patientId, body: 'Hello' })).rejects.toMatchObject({ code: 'clinic-refused', reason: 'no-device' });

    // Without an undo window the reply leaves at once.
    expect(await doctor.call<ThreadMessage>('inbox:send', { patientId: alex.patientId, body: 'Hello Alex' })).toMatchObject({ state: 'sent' });
    await phone.sync();
    await phone.send('Thanks, see you Monday');
    await doctor.clinic.client().sync();
    expect(notices.flat()).toEqual([{ kind: 'message', patientId: alex.patientId, patientName: 'Alex Martin', body: 'Thanks, see you Monday' }]);

    await desk.call('consent:withdraw', { patientId: alex.patientId, reason: 'Prefers phone calls' });
    await doctor.clinic.client().verifiedDirectory(true);
    thread = await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId });
    expect(thread.compose).toEqual({ allowed: false, blockedBy: 'withdrawn' });
    expect(thread.conversation.consent.state).toBe('withdrawn');
    await expect(doctor.call('inbox:send', { patientId: alex.patientId, body: 'One more thing' })).rejects.toMatchObject({ reason: 'withdrawn' });
    // What was written before stays in the record.
    expect(thread.messages.map((m) => m.body)).toEqual(['Hello Alex', 'Thanks, see you Monday']);
  }, 60_000);

  it('refuses bad input with clear errors and keeps the other roles out', async () => {
    const { desk, doctor } = await clinic({ undoSendSeconds: 0 });
    await expect(doctor.call('inbox:send', { patientId: 'p1', body: '   ' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(doctor.call('inbox:send', { patientId: 'p1', body: 'x'.repeat(20_001) })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(doctor.call('inbox:thread', { patientId: '../etc' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(desk.call('inbox:list', { query: '', filter: 'all' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(doctor.call('inbox:retry', { messageId: 'mUnknown' })).rejects.toMatchObject({ code: 'not-found' });
  }, 60_000);

  it('puts urgent messages first with a mark, counts them and notifies at once: the patient’s mark, or this computer’s own check', async () => {
    const { desk, doctor, patient, notices } = await clinic({ undoSendSeconds: 0 });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const bea = await consentFor(desk, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' });
    const cam = await consentFor(desk, { givenName: 'Cam', familyName: 'Ng', dateOfBirth: '1990-01-01' });
    const [alexPhone, beaPhone, camPhone] = [await patient(alex.code), await patient(bea.code), await patient(cam.code)];
    await beaPhone?.send('Could I renew my inhaler?');
    // An older portal, or a patient who got past nothing: the clinician's computer checks the text itself.
    await alexPhone?.send('I have crushing chest pain since an hour');
    // Sent anyway past the portal's emergency screen: marked inside the encryption.
    await camPhone?.client.send('Please call me back right away', { urgent: true });
    await camPhone?.client.flush();
    await doctor.clinic.client().sync();
    const inbox = await list(doctor);
    expect(inbox.rows.slice(0, 2).map((r) => r.patientId).sort()).toEqual([alex.patientId, cam.patientId].sort());
    expect(row(inbox, bea.patientId)).toMatchObject({ urgent: false, needsAnswer: true });
    expect(inbox.counts).toMatchObject({ urgent: 2 });
    const thread = await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId });
    expect(thread.messages.map((m) => m.urgent)).toEqual([true]);
    const told = notices.flat();
    expect(told.filter((n) => n.kind === 'urgent').map((n) => n.patientId).sort()).toEqual([alex.patientId, cam.patientId].sort());
    expect(told.find((n) => n.patientId === bea.patientId)?.kind).toBe('message');
    // The policy shows nothing by default: no name, no text, even for an emergency.
    expect(told.every((n) => n.patientName === null && n.body === '')).toBe(true);
    // An answer ends the urgency (the message keeps its mark).
    await doctor.call('inbox:send', { patientId: alex.patientId, body: 'Call 911 now. We are calling you too.' });
    await sleep(300);
    expect(row(await list(doctor), alex.patientId)).toMatchObject({ urgent: false });
    expect((await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages[0]?.urgent).toBe(true);
  }, 60_000);

  it('warns once inside the margin and once when overdue, across a weekend, by the injected clock', async () => {
    // Friday 4 December 2026, 16:00 in Toronto: due Tuesday 15:00 (16 business hours), warned from 13:00 (2 before).
    const { desk, doctor, patient, notices, now } = await clinic({ undoSendSeconds: 0, at: '2026-12-04T16:00:00-05:00' });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const phone = await patient(alex.code);
    await phone.send('Could you look at my blood test results?');
    await doctor.clinic.client().sync();
    // Set-up took a few real seconds on the pinned clock: the checks below leave minutes of room.
    expect(row(await list(doctor), alex.patientId).waitingSince).toBeLessThan(Date.parse('2026-12-04T16:03:00-05:00'));
    const stageAt = async (iso: string) => {
      now.set(iso);
      const told = doctor.inbox.checkEscalations().map((n) => n.stage);
      const r = row(await list(doctor), alex.patientId);
      return { told, stage: r.replyStage, counts: (await list(doctor)).counts };
    };
    expect(await stageAt('2026-12-05T10:00:00-05:00')).toMatchObject({ told: [], stage: 'on-time' });
    expect(await stageAt('2026-12-07T16:00:00-05:00')).toMatchObject({ told: [], stage: 'on-time' });
    expect(await stageAt('2026-12-08T13:05:00-05:00')).toMatchObject({ told: ['due-soon'], stage: 'due-soon', counts: { dueSoon: 1, overdue: 0 } });
    expect(await stageAt('2026-12-08T14:00:00-05:00')).toMatchObject({ told: [], stage: 'due-soon' });
    expect(await stageAt('2026-12-08T15:05:00-05:00')).toMatchObject({ told: ['overdue'], stage: 'overdue', counts: { dueSoon: 0, overdue: 1 } });
    expect(await stageAt('2026-12-08T16:00:00-05:00')).toMatchObject({ told: [] });
    expect(notices.flat().filter((n) => n.kind !== 'message').map((n) => n.kind)).toEqual(['due-soon', 'overdue']);
    // After a restart of the app the warnings are not repeated.
    await doctor.session.lock('manual');
    await doctor.clinic.close();
    const profileId = (await doctor.call<{ id: string; displayName: string }[]>('profiles:list')).find((p) => p.displayName === 'Lee')?.id;
    await doctor.call('profiles:unlock', { profileId, passphrase });
    expect(doctor.inbox.checkEscalations()).toEqual([]);
  }, 60_000);

  it('answers a message written while the clinic is closed with the automatic notice, once per closed period, from the rules agreed to; the clinician sees it was shown', async () => {
    const { admin, desk, doctor, patient, now } = await clinic({ undoSendSeconds: 0, at: instants.weekdayClosed });
    const alex = await consentFor(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const phone = await patient(alex.code);
    await phone.send('My prescription ran out today.');
    const [first] = phone.messages();
    expect(first?.outOfHours).toEqual({ reopensAt: instant('2026-12-03T08:30:00-05:00'), replyDueAt: instant('2026-12-04T16:00:00-05:00') });
    now.advance(30 * 60_000);
    await phone.send('Also, the pharmacy closes at 9.');
    expect(phone.messages()[1]?.outOfHours).toBeUndefined();
    await doctor.clinic.client().sync();
    const thread = await doctor.call<Thread>('inbox:thread', { patientId: alex.patientId });
    expect(thread.messages.map((m) => m.outOfHours)).toEqual([first?.outOfHours, null]);

    // The clinic changes its hours afterwards: this patient keeps the promise made when they agreed.
    const { rules } = await admin.call<{ rules: Record<string, unknown> & { businessHours: Record<string, unknown> } }>('clinic:status');
    await admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 613 555 0199', responseTimeBusinessHours: 40 } });
    await phone.sync();
    expect(phone.client.snapshot().directory?.rules?.phone).toBe('+1 613 555 0199');
    expect(phone.client.snapshot().rules).toMatchObject({ phone: '+1 555 0100', responseTimeBusinessHours: 16 });
    // The next evening is another closed period: a new notice, under the same agreed rules.
    now.advance(24 * 3_600_000);
    await phone.send('Any news?');
    expect(phone.messages()[2]?.outOfHours?.reopensAt).toBe(instant('2026-12-04T08:30:00-05:00'));
  }, 60_000);
});
