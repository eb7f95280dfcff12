// The care team on loopback (ADR 17): two clinicians on two computers, each with their own
// app and encrypted profile, one relay on port 0. An assignment made on one computer shows on
// the other; reading on one clears the count on both; a reply or "handled another way" stops
// the clock on both; a covering colleague gets the notifications of an absent one; and the
// rules are kept in main (only an active clinician can be assigned or cover).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type ConversationRow, type InboxList, type TeamView, type Thread } from '../../src/shared/inbox';
import { defaultClinicRules } from '../../src/shared/protocol/clinic-rules';
import { HeadlessPatient } from '../../tools/headless';
import { type IncomingNotice } from '../../src/main/inbox/inbox-service';
import { type Clock, instants, pinnedClock } from '../support/clock';
import { clinicDetails } from '../support/clinic-details';
import { type TestApp, startTestApp } from '../support/main-app';

const passphrase = 'granite puffin lantern ninety';
const dirs: string[] = [];
const apps: TestApp[] = [];
const devices: HeadlessPatient[] = [];
afterEach(async () => {
  for (const device of devices.splice(0)) await device.close().catch(() => undefined);
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function app(now: Clock, notices?: IncomingNotice[][]): Promise<TestApp> {
  const started = await startTestApp({ now, ...(notices ? { notify: (n: readonly IncomingNotice[]) => notices.push([...n]) } : {}) });
  apps.push(started);
  return started;
}

type Template = { document: { version: string; sections: { id: string }[] }; textHash: string };

async function clinic() {
  const now = pinnedClock(instants.weekdayOpen);
  const admin = await app(now);
  await admin.call('profiles:create', { displayName: 'IT', passphrase });
  const { relayUrl } = await admin.call<{ relayUrl: string }>('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin', timeZone: 'America/Toronto', details: clinicDetails });
  const rules = defaultClinicRules('Lakeside Clinic', 'America/Toronto', clinicDetails);
  await admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0100', security: { ...rules.security, undoSendSeconds: 0 } } });
  const enlist = async (who: TestApp, role: 'front-desk' | 'clinician', name: string) => {
    await who.call('profiles:create', { displayName: name, passphrase });
    await who.call('clinic:join', { relayUrl, inviteCode: await admin.clinic.client().createInvite({ staffId: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-k3j2x9q1`, displayName: name, role }) });
    await admin.clinic.client().approvePendingDevices();
    await who.call('clinic:check-approval');
  };
  const desk = await app(now);
  await enlist(desk, 'front-desk', 'Desk');
  const leeNotices: IncomingNotice[][] = [];
  const samNotices: IncomingNotice[][] = [];
  const lee = await app(now, leeNotices);
  await enlist(lee, 'clinician', 'Dr Lee Chen');
  const sam = await app(now, samNotices);
  await enlist(sam, 'clinician', 'Dr Sam Roy');
  const consent = async (givenName: string): Promise<{ patientId: string; phone: HeadlessPatient }> => {
    const { id } = await desk.call<{ id: string }>('patients:register', { givenName, familyName: 'Martin', dateOfBirth: '1980-04-02' });
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
      signature: { kind: 'typed', name: `${givenName} Martin` },
      decisionMaker: null,
    });
    const phone = await HeadlessPatient.enroll({ name: `patient-${devices.length}`, dir: mkdtempSync(join(tmpdir(), 'cm-team-p-')), relayUrl, code: receipt.enrollment?.code as string, now });
    devices.push(phone);
    return { patientId: id, phone };
  };
  return { admin, desk, lee, sam, leeNotices, samNotices, consent, now };
}

const list = (who: TestApp, whose: 'mine' | 'unassigned' | 'everyone' = 'everyone') => who.call<InboxList>('inbox:list', { query: '', filter: 'all', whose });
const row = (inbox: InboxList, patientId: string): ConversationRow => inbox.rows.find((r) => r.patientId === patientId) as ConversationRow;
const sync = async (...who: TestApp[]) => {
  for (const w of who) await w.clinic.client().sync();
};
const deviceOf = (who: TestApp): string => who.clinic.client().deviceId;

describe('the care team on two computers', () => {
  it('shares assignment, unread and answered state, and "handled another way" stops the clock on both', async () => {
    const { lee, sam, consent } = await clinic();
    const alex = await consent('Alex');
    const bea = await consent('Béa');
    await alex.phone.send('My refill ran out.');
    await alex.phone.send('It is the blood pressure one.');
    await bea.phone.send('Are my results in?');
    await sync(lee, sam);

    // The team and its names, from the invites IT issued.
    const team = await lee.call<TeamView>('team:members', {});
    expect(team.members.filter((m) => m.role === 'clinician').map((m) => [m.name, m.self])).toEqual([
      ['Dr Lee Chen', true],
      ['Dr Sam Roy', false],
    ]);

    // Lee takes Alex's conversation; Sam's computer shows it as Lee's.
    expect(await lee.call('inbox:assign', { patientId: alex.patientId, to: deviceOf(lee) })).toEqual({ assignedTo: { deviceId: deviceOf(lee), name: 'Dr Lee Chen' } });
    await sync(sam);
    expect(row(await list(sam), alex.patientId)).toMatchObject({ assignedTo: { name: 'Dr Lee Chen' }, mine: false, unread: 2, needsAnswer: true });
    expect(row(await list(lee), alex.patientId)).toMatchObject({ assignedTo: { name: 'Dr Lee Chen' }, mine: true });
    expect((await list(lee, 'mine')).rows.map((r) => r.patientId)).toEqual([alex.patientId]);
    expect((await list(sam, 'mine')).rows).toEqual([]);
    expect((await list(sam, 'unassigned')).rows.map((r) => r.patientId)).toEqual([bea.patientId]);
    expect((await list(sam)).counts).toMatchObject({ mine: 0, unassigned: 1 });

    // Sam hands Bea's conversation to Lee: the thread of each computer shows who did what.
    await sam.call('inbox:assign', { patientId: bea.patientId, to: deviceOf(lee) });
    await sync(lee);
    const beaThread = await lee.call<Thread>('inbox:thread', { patientId: bea.patientId });
    expect(beaThread.team).toEqual([expect.objectContaining({ kind: 'assigned', by: { deviceId: deviceOf(sam), name: 'Dr Sam Roy' }, to: { deviceId: deviceOf(lee), name: 'Dr Lee Chen' } })]);

    // Lee reads Alex's messages: the count clears on Sam's computer too.
    expect(await lee.call('inbox:mark-read', { patientId: alex.patientId })).toEqual({ marked: 2 });
    await sync(sam);
    expect(row(await list(sam), alex.patientId).unread).toBe(0);
    expect(row(await list(sam), bea.patientId).unread).toBe(1);

    // Lee answers Alex: answered on both.
    await lee.call('inbox:send', { patientId: alex.patientId, body: 'Renewed; pick it up tomorrow.' });
    await sync(sam);
    expect(row(await list(sam), alex.patientId)).toMatchObject({ needsAnswer: false, replyStage: null });

    // Bea was phoned: Lee stops the clock without writing, with the reason; nothing is deleted.
    await expect(lee.call('inbox:handled', { patientId: alex.patientId, reason: 'phoned', note: '' })).rejects.toMatchObject({ code: 'invalid-request', fields: { patientId: 'nothing-waiting' } });
    await expect(lee.call('inbox:handled', { patientId: bea.patientId, reason: 'other', note: '  ' })).rejects.toMatchObject({ fields: { note: 'required' } });
    expect(await lee.call('inbox:handled', { patientId: bea.patientId, reason: 'phoned', note: 'Called her at 10:20, results normal.' })).toEqual({ handled: true });
    await sync(sam);
    expect(row(await list(sam), bea.patientId)).toMatchObject({ needsAnswer: false, replyStage: null });
    const seenBySam = await sam.call<Thread>('inbox:thread', { patientId: bea.patientId });
    expect(seenBySam.messages.map((m) => m.body)).toEqual(['Are my results in?']);
    expect(seenBySam.team.at(-1)).toMatchObject({ kind: 'handled', reason: 'phoned', note: 'Called her at 10:20, results normal.', by: { name: 'Dr Lee Chen' } });
    const audit = await lee.call<{ events: { action: string; subjectId: string | null; details: Record<string, unknown> }[] }>('audit:list', { limit: 50 });
    expect(audit.events.map((e) => e.action)).toEqual(expect.arrayContaining(['conversation.assigned', 'conversation.handled-another-way']));
    expect(JSON.stringify(audit.events)).not.toContain('results normal');

    // A new message from the patient starts the clock again, on both.
    await bea.phone.send('Thanks! One more question about the dose.');
    await sync(lee, sam);
    for (const who of [lee, sam]) expect(row(await list(who), bea.patientId)).toMatchObject({ needsAnswer: true, unread: 1 });
  }, 90_000);

  it('refuses to assign to anyone but an active clinician, and a covering colleague gets the notifications of an absent one', async () => {
    const { admin, desk, lee, sam, samNotices, leeNotices, consent } = await clinic();
    const alex = await consent('Alex');
    await sync(lee, sam);
    await expect(lee.call('inbox:assign', { patientId: alex.patientId, to: deviceOf(desk) })).rejects.toMatchObject({ code: 'invalid-request', fields: { to: 'not-a-clinician' } });
    await expect(lee.call('inbox:assign', { patientId: alex.patientId, to: deviceOf(admin) })).rejects.toMatchObject({ fields: { to: 'not-a-clinician' } });
    await expect(lee.call('inbox:assign', { patientId: alex.patientId, to: 'dNobody00001' })).rejects.toMatchObject({ fields: { to: 'not-a-clinician' } });
    await expect(lee.call('team:away', { until: '2026-12-01', covering: deviceOf(sam) })).rejects.toMatchObject({ fields: { until: 'past' } });
    await expect(lee.call('team:away', { until: '2026-12-09', covering: null })).rejects.toMatchObject({ fields: { covering: 'required' } });
    await expect(lee.call('team:away', { until: '2026-12-09', covering: deviceOf(lee) })).rejects.toMatchObject({ fields: { covering: 'not-a-clinician' } });

    // Alex's conversation is Lee's; a message reaches Lee only, not Sam.
    await lee.call('inbox:assign', { patientId: alex.patientId, to: deviceOf(lee) });
    await sync(sam);
    leeNotices.length = 0;
    samNotices.length = 0;
    await alex.phone.send('Is the clinic open Saturday?');
    await sync(lee, sam);
    expect(leeNotices.flat().map((n) => n.patientId)).toEqual([alex.patientId]);
    expect(samNotices.flat()).toEqual([]);

    // Lee is away until Wednesday next week, Sam covers: the next message goes to Sam, not to Lee.
    const view = await lee.call<TeamView>('team:away', { until: '2026-12-09', covering: deviceOf(sam) });
    expect(view.me.away).toEqual({ until: '2026-12-09', covering: { deviceId: deviceOf(sam), name: 'Dr Sam Roy' } });
    await sync(sam);
    expect(row(await list(sam), alex.patientId)).toMatchObject({ assignedTo: { name: 'Dr Lee Chen' }, coveredBy: { name: 'Dr Sam Roy' }, mine: true });
    expect((await list(sam, 'mine')).rows.map((r) => r.patientId)).toEqual([alex.patientId]);
    expect((await list(lee, 'mine')).rows).toEqual([]);
    leeNotices.length = 0;
    samNotices.length = 0;
    await alex.phone.send('Also, can I get a flu shot?');
    await sync(lee, sam);
    expect(samNotices.flat().map((n) => n.patientId)).toEqual([alex.patientId]);
    expect(leeNotices.flat()).toEqual([]);
    // An unassigned conversation is told to everyone present, not to the absent.
    const bea = await consent('Béa');
    await sync(lee, sam);
    leeNotices.length = 0;
    samNotices.length = 0;
    await bea.phone.send('Hello?');
    await sync(lee, sam);
    expect(samNotices.flat().map((n) => n.patientId)).toEqual([bea.patientId]);
    expect(leeNotices.flat()).toEqual([]);

    // Back: the conversation and its notifications are Lee's again.
    await lee.call('team:away', { until: null, covering: null });
    await sync(sam);
    expect(row(await list(sam), alex.patientId)).toMatchObject({ coveredBy: null, mine: false });

    // A clinician removed from the clinic holds nothing any more: their conversations are no one's, and none can be assigned to them.
    await lee.call('inbox:assign', { patientId: alex.patientId, to: deviceOf(sam) });
    expect(row(await list(lee), alex.patientId)).toMatchObject({ assignedTo: { name: 'Dr Sam Roy' } });
    await admin.call('people:revoke', { deviceId: deviceOf(sam), reason: 'left' });
    await lee.clinic.client().verifiedDirectory(true);
    expect(row(await list(lee), alex.patientId)).toMatchObject({ assignedTo: null, mine: false });
    await lee.call('inbox:assign', { patientId: bea.patientId, to: deviceOf(lee) });
    await expect(lee.call('inbox:assign', { patientId: bea.patientId, to: deviceOf(sam) })).rejects.toMatchObject({ fields: { to: 'not-a-clinician' } });
  }, 90_000);
});
