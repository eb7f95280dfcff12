// "Sent in error" (ADR 20) on loopback: a clinician marks a message the clinic sent to the
// wrong patient. It stays in the clinic's record, marked, on every staff computer; the
// patient's portal (a real portal client) hides its text and files behind a notice, also after
// a restart; the mark reaches the IT admin's computer as the start of an incident; and it is
// audited. Marking is refused for a patient's message and for a message already marked.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type IncidentList, type IncidentView } from '../../src/shared/incidents';
import { type Thread } from '../../src/shared/inbox';
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

const sync = async (...who: TestApp[]) => {
  for (const w of who) await w.clinic.client().sync();
};
const deviceOf = (who: TestApp): string => who.clinic.client().deviceId;

describe('a message sent in error', () => {
  it('stays in the record, marked for the team, and the portal hides its text for good', async () => {
    const { admin, lee, sam, consent } = await clinic();
    const alex = await consent('Alex');
    await alex.phone.send('Is my prescription ready?');
    await sync(lee);
    const secret = 'Your biopsy result for Jordan Smith is benign.';
    const sent = await lee.call<{ messageId: string }>('inbox:send', { patientId: alex.patientId, body: secret });
    await lee.clinic.client().outbox.flush();
    await alex.phone.sync();
    expect(alex.phone.message(sent.messageId)?.body).toBe(secret);

    // A patient's message, or one not in this conversation, cannot be marked.
    const fromAlex = (await lee.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages.find((m) => m.fromPatient);
    await expect(lee.call('inbox:sent-in-error', { patientId: alex.patientId, messageId: fromAlex?.messageId, reason: 'wrong-patient', note: '' })).rejects.toThrow(/Only a message the clinic sent/);
    await expect(lee.call('inbox:sent-in-error', { patientId: alex.patientId, messageId: 'm-not-there', reason: 'wrong-patient', note: '' })).rejects.toThrow(/not in this conversation/);
    await expect(lee.call('inbox:sent-in-error', { patientId: alex.patientId, messageId: sent.messageId, reason: 'other', note: ' ' })).rejects.toThrow(/what went wrong/);

    expect(await lee.call('inbox:sent-in-error', { patientId: alex.patientId, messageId: sent.messageId, reason: 'wrong-patient', note: 'Meant for another patient.' })).toEqual({ marked: true });
    await expect(lee.call('inbox:sent-in-error', { patientId: alex.patientId, messageId: sent.messageId, reason: 'wrong-patient', note: '' })).rejects.toThrow(/already marked/);

    // The clinic's record keeps the text, marked, on both clinicians' computers.
    const mine = (await lee.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages.find((m) => m.messageId === sent.messageId);
    expect(mine).toMatchObject({ body: secret, sentInError: { reason: 'wrong-patient', note: 'Meant for another patient.', by: { name: 'Dr Lee Chen' } } });
    await sync(sam);
    const theirs = (await sam.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages.find((m) => m.messageId === sent.messageId);
    expect(theirs).toMatchObject({ body: secret, sentInError: { reason: 'wrong-patient' } });
    // The notice to the portal is not a message of the thread.
    expect((await sam.call<Thread>('inbox:thread', { patientId: alex.patientId })).messages.map((m) => m.body)).toEqual(['Is my prescription ready?', secret]);

    // The portal: the text is gone, the place stays, the notice itself is not shown as a message.
    await alex.phone.sync();
    const hidden = alex.phone.message(sent.messageId);
    expect(hidden).toMatchObject({ body: '', sentInError: {} });
    expect(JSON.stringify(alex.phone.messages())).not.toContain('biopsy');
    expect(alex.phone.messages().filter((m) => m.retracts === undefined).map((m) => m.body)).toEqual(['Is my prescription ready?', '']);

    // After a restart of the portal, still nothing of it.
    const reopened = await HeadlessPatient.reopen(alex.phone);
    devices.push(reopened);
    expect(reopened.message(sent.messageId)).toMatchObject({ body: '', sentInError: {} });
    expect(JSON.stringify(reopened.messages())).not.toContain('biopsy');

    // The IT admin's computer holds the mark: the start of the privacy officer's incident.
    await sync(admin);
    expect(admin.clinic.client().local.team.sentInError().map((k) => [k.messageId, k.reason, k.by])).toEqual([[sent.messageId, 'wrong-patient', deviceOf(lee)]]);
    // The privacy officer's incident: opened by the mark, with the deadline from the rules (60 days by default).
    const { incidents, noticeDays } = await admin.call<IncidentList>('incidents:list', {});
    expect(noticeDays).toBe(60);
    expect(incidents).toHaveLength(1);
    const incident = incidents[0] as IncidentView;
    expect(incident).toMatchObject({ kind: 'sent-in-error', patientId: alex.patientId, messageId: sent.messageId, reason: 'wrong-patient', note: 'Meant for another patient.', openedBy: 'Dr Lee Chen' });
    expect(incident.deadline - incident.openedAt).toBe(60 * 86_400_000);
    expect(JSON.stringify(incident)).not.toContain('biopsy');
    // What happened, who was told and when, the decision (with its reason), then closed.
    await admin.call('incidents:update', { incidentId: incident.incidentId, whatHappened: 'A result for another patient was sent to Alex.' });
    await admin.call('incidents:update', { incidentId: incident.incidentId, told: { who: 'Alex Martin (patient)', how: 'phone', at: incident.openedAt + 3_600_000 } });
    await expect(admin.call('incidents:update', { incidentId: incident.incidentId, decision: 'notify' })).rejects.toThrow(/why the clinic decided/);
    await expect(admin.call('incidents:update', { incidentId: incident.incidentId, close: true })).rejects.toThrow(/decision on notifying/);
    await admin.call('incidents:update', { incidentId: incident.incidentId, decision: 'notify', decisionNote: 'A health result reached a third party.' });
    const closed = await admin.call<IncidentView>('incidents:update', { incidentId: incident.incidentId, close: true });
    expect(closed.record).toMatchObject({ decision: 'notify', told: [{ who: 'Alex Martin (patient)', how: 'phone' }] });
    expect(closed.record.closedAt).not.toBeNull();
    expect(closed.timeline.map((e) => e.what)).toEqual(['opened', 'described', 'told', 'decided-notify', 'closed']);
    await expect(admin.call('incidents:update', { incidentId: incident.incidentId, whatHappened: 'changed later' })).rejects.toThrow(/closed/);
    await expect(admin.call('incidents:update', { incidentId: 'sie:nothing', whatHappened: 'x' })).rejects.toThrow(/no such incident/);
    // The export for the file, and its audit event.
    const out = mkdtempSync(join(tmpdir(), 'cm-incident-'));
    dirs.push(out);
    admin.savePath.value = join(out, 'incident.json');
    expect(await admin.call('incidents:export', { incidentId: incident.incidentId })).toEqual({ saved: true });
    const file = JSON.parse(readFileSync(join(out, 'incident.json'), 'utf8')) as { format: string; incident: IncidentView };
    expect(file.format).toBe('clinic-messenger/incident/v1');
    expect(file.incident.timeline).toHaveLength(5);

    // Audited, naming no content.
    const audit = await lee.call<{ events: { action: string; details: Record<string, unknown> }[] }>('audit:list', { limit: 50 });
    const event = audit.events.find((e) => e.action === 'message.sent-in-error');
    expect(event?.details).toEqual({ messageId: sent.messageId, reason: 'wrong-patient' });
    expect(JSON.stringify(audit.events)).not.toContain('biopsy');
  }, 120_000);

  it('a computer removed as lost opens an incident, with when', async () => {
    const { admin, sam, desk, now } = await clinic();
    const before = now();
    await admin.call('people:revoke', { deviceId: deviceOf(sam), reason: 'stolen' });
    const { incidents } = await admin.call<IncidentList>('incidents:list', {});
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ kind: 'lost-device', deviceId: deviceOf(sam), reason: 'stolen' });
    expect(incidents[0]?.openedAt).toBeGreaterThanOrEqual(before);
    // A computer removed because its person left is no incident.
    await admin.call('people:revoke', { deviceId: deviceOf(desk), reason: 'left' });
    expect((await admin.call<IncidentList>('incidents:list', {})).incidents).toHaveLength(1);
  }, 120_000);
});
