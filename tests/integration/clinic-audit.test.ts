// The clinic-wide audit trail on loopback (ADR 20): three computers (IT, front desk,
// clinician), each with its own encrypted profile and chained trail, send their trails to one
// relay, sealed to the IT admin. The IT admin's computer reads and checks all of them; a
// relay that drops, reorders or alters a batch, a computer whose stored trail was edited, and
// a relay that rewrites its log are each caught, naming the computer and the place. The
// signed export verifies offline, and fails when one byte of it changes. Root actions need a
// fresh authenticator code once one is enrolled: a wrong, a replayed and a drifted code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';
import sodium from 'libsodium-wrappers-sumo';
import { generateSync } from 'otplib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type ClinicAuditView } from '../../src/shared/audit';
import { verifyAuditExport } from '../../src/shared/protocol/audit-export';
import { auditBatchSchema } from '../../src/shared/protocol/audit-log';
import { defaultClinicRules } from '../../src/shared/protocol/clinic-rules';
import { pinnedClock, instants } from '../support/clock';
import { clinicDetails } from '../support/clinic-details';
import { type TestApp, startTestApp } from '../support/main-app';

const passphrase = 'granite puffin lantern ninety';
const apps: TestApp[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function clinic() {
  const now = pinnedClock(instants.weekdayOpen);
  const start = async () => {
    const a = await startTestApp({ now });
    apps.push(a);
    return a;
  };
  const admin = await start();
  await admin.call('profiles:create', { displayName: 'Robin IT', passphrase });
  const { relayUrl } = await admin.call<{ relayUrl: string }>('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin', timeZone: 'America/Toronto', details: clinicDetails });
  const rules = defaultClinicRules('Lakeside Clinic', 'America/Toronto', clinicDetails);
  await admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0100' } });
  const enlist = async (role: 'front-desk' | 'clinician', name: string, staffId: string) => {
    const who = await start();
    await who.call('profiles:create', { displayName: name, passphrase });
    await who.call('clinic:join', { relayUrl, inviteCode: await admin.clinic.client().createInvite({ staffId, displayName: name, role }) });
    await admin.clinic.client().approvePendingDevices();
    await who.call('clinic:check-approval');
    return who;
  };
  const desk = await enlist('front-desk', 'Sam Desk', 'desk-sam');
  const lee = await enlist('clinician', 'Dr Lee', 'dr-lee');
  return { now, admin, desk, lee, relayUrl, rules };
}

/** A few real events on the front desk's computer: a patient registered and looked up. */
async function work(desk: TestApp): Promise<string> {
  const { id } = await desk.call<{ id: string }>('patients:register', { givenName: 'Ana', familyName: 'Martin', dateOfBirth: '1980-04-02' });
  for (let i = 0; i < 3; i++) await desk.consent.audit('patient.viewed', id, { from: 'register' });
  return id;
}

const relayDb = (admin: TestApp) => new Database(join(admin.dataDir, 'relay', 'relay.db'));

describe('one audit trail for the clinic', () => {
  it('brings the events of three computers to the IT admin, checked, filtered, with a timeline; reads are audited', async () => {
    const { admin, desk, lee } = await clinic();
    const patientId = await work(desk);
    await lee.consent.audit('conversation.opened', patientId, { messages: false });
    await desk.audit.ship();
    await lee.audit.ship();
    const view = await admin.call<ClinicAuditView>('audit:clinic', { filter: {} });
    expect(view.breaks).toEqual([]);
    const deskId = desk.clinic.client().deviceId;
    const leeId = lee.clinic.client().deviceId;
    const byDevice = new Map(view.computers.map((c) => [c.deviceId, c]));
    expect(byDevice.get(deskId)?.events).toBeGreaterThanOrEqual(4);
    expect(byDevice.get(leeId)?.events).toBe(1);
    expect(view.rows.some((r) => r.deviceId === leeId && r.action === 'conversation.opened' && r.subjectId === patientId)).toBe(true);
    expect(view.timeline).toEqual([{ day: '2026-12-02', count: view.matched }]);
    // Filters: who, what, patient, computer, dates.
    const only = await admin.call<ClinicAuditView>('audit:clinic', { filter: { action: 'patient', deviceId: deskId, patientId } });
    expect(only.rows.length).toBe(4);
    expect(only.rows.every((r) => r.action.startsWith('patient.') && r.deviceId === deskId)).toBe(true);
    expect((await admin.call<ClinicAuditView>('audit:clinic', { filter: { actorId: 'dr-lee' } })).rows.map((r) => r.action)).toEqual(['conversation.opened']);
    expect((await admin.call<ClinicAuditView>('audit:clinic', { filter: { to: Date.parse('2026-12-01T00:00:00Z') } })).rows).toEqual([]);
    // Reading the trail is itself in the trail (the admin's own computer).
    const again = await admin.call<ClinicAuditView>('audit:clinic', { filter: { action: 'audit.read' } });
    expect(again.rows.length).toBeGreaterThanOrEqual(1);
    // Nothing in a stored batch is readable by the relay: no patient id, no action.
    const db = relayDb(admin);
    const stored = db.prepare('SELECT batch_json FROM audit_batches').all() as { batch_json: string }[];
    db.close();
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) {
      expect(row.batch_json).not.toContain(patientId);
      expect(row.batch_json).not.toContain('patient.viewed');
    }
    // Front desk and clinicians cannot read the clinic's trail.
    await expect(desk.call('audit:clinic', { filter: {} })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('names the computer and the place when the relay drops, reorders or alters a batch', async () => {
    const { admin, desk } = await clinic();
    const deskId = desk.clinic.client().deviceId;
    const id = await work(desk);
    await desk.audit.ship();
    for (let i = 0; i < 2; i++) {
      await desk.consent.audit('patient.viewed', id, { from: 'search' });
      await desk.audit.ship();
    }
    const clean = await admin.call<ClinicAuditView>('audit:clinic', { filter: {} });
    expect(clean.breaks).toEqual([]);
    const rows = () => {
      const db = relayDb(admin);
      const r = db.prepare('SELECT leaf_index, from_seq, to_seq, batch_json FROM audit_batches WHERE device_id = ? ORDER BY leaf_index').all(deskId) as { leaf_index: number; from_seq: number; to_seq: number; batch_json: string }[];
      db.close();
      return r;
    };
    const batches = rows();
    expect(batches.length).toBe(3);
    const [b1, b2, b3] = batches as [(typeof batches)[0], (typeof batches)[0], (typeof batches)[0]];

    // Altered: one character of the middle batch's ciphertext.
    const altered = auditBatchSchema.parse(JSON.parse(b2.batch_json));
    const flipped = { ...altered, ciphertext: `${altered.ciphertext[0] === 'A' ? 'B' : 'A'}${altered.ciphertext.slice(1)}` };
    let db = relayDb(admin);
    db.prepare('UPDATE audit_batches SET batch_json = ? WHERE leaf_index = ?').run(JSON.stringify(flipped), b2.leaf_index);
    db.close();
    let view = await admin.call<ClinicAuditView>('audit:clinic', { filter: {} });
    expect(view.breaks).toContainEqual({ kind: 'altered', deviceId: deskId, seq: b2.from_seq, toSeq: b2.to_seq });

    // Reordered: the last two batches swapped in the relay's answer.
    db = relayDb(admin);
    db.prepare('UPDATE audit_batches SET batch_json = ? WHERE leaf_index = ?').run(b3.batch_json, b2.leaf_index);
    db.prepare('UPDATE audit_batches SET batch_json = ? WHERE leaf_index = ?').run(b2.batch_json, b3.leaf_index);
    db.close();
    view = await admin.call<ClinicAuditView>('audit:clinic', { filter: {} });
    expect(view.breaks.some((b) => b.kind === 'reordered' && b.deviceId === deskId && b.seq === b2.from_seq)).toBe(true);

    // Dropped: the middle batch is gone (its leaf too; the log no longer extends the one seen).
    db = relayDb(admin);
    db.prepare('UPDATE audit_batches SET batch_json = ? WHERE leaf_index = ?').run(b2.batch_json, b2.leaf_index);
    db.prepare('UPDATE audit_batches SET batch_json = ? WHERE leaf_index = ?').run(b3.batch_json, b3.leaf_index);
    db.prepare('DELETE FROM audit_batches WHERE leaf_index = ?').run(b2.leaf_index);
    db.close();
    view = await admin.call<ClinicAuditView>('audit:clinic', { filter: {} });
    expect(view.breaks).toContainEqual({ kind: 'missing', deviceId: deskId, seq: b2.from_seq, toSeq: b2.to_seq });
    expect(view.breaks.some((b) => b.kind === 'bad-checkpoint')).toBe(true);
    expect(b1.from_seq).toBe(1);
  });

  it('shows an event edited or removed on the computer itself as a break at its place', async () => {
    const { admin, desk } = await clinic();
    const deskId = desk.clinic.client().deviceId;
    await work(desk);
    await desk.audit.ship();
    const before = (await admin.call<ClinicAuditView>('audit:clinic', { filter: {} })).computers.find((c) => c.deviceId === deskId)?.lastSeq ?? 0;
    const id = (await desk.call<{ id: string }>('patients:register', { givenName: 'Léa', familyName: 'Roy', dateOfBirth: '1990-01-01' })).id;
    await desk.consent.audit('patient.viewed', id, { from: 'register' });
    await desk.consent.audit('patient.viewed', id, { from: 'register' });
    // Someone with the passphrase (and a database tool) drops the append-only triggers and
    // edits the stored trail before it leaves: one event changed, one removed.
    const profileDb = (desk.session.current() as unknown as { db: { db: InstanceType<typeof Database> } }).db.db;
    profileDb.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
    profileDb.prepare("UPDATE audit_events SET details_json = '{\"from\":\"elsewhere\"}' WHERE seq = ?").run(before + 2);
    profileDb.prepare('DELETE FROM audit_events WHERE seq = ?').run(before + 1);
    await desk.audit.ship();
    const view = await admin.call<ClinicAuditView>('audit:clinic', { filter: {} });
    expect(view.breaks).toContainEqual({ kind: 'missing', deviceId: deskId, seq: before + 1, toSeq: before + 1 });
    expect(view.breaks).toContainEqual({ kind: 'altered', deviceId: deskId, seq: before + 2 });
  });

  it('exports a signed file that audit:verify checks offline, and that fails when one byte changes', async () => {
    const { admin, desk, lee } = await clinic();
    await work(desk);
    await lee.consent.audit('conversation.opened', 'patient-x', { messages: false });
    await Promise.all([desk.audit.ship(), lee.audit.ship()]);
    const file = join(admin.dataDir, 'trail.audit.json');
    admin.savePath.value = file;
    expect(await admin.call('audit:export', { format: 'signed-json', filter: {} })).toMatchObject({ saved: true });
    const text = readFileSync(file, 'utf8');
    const report = verifyAuditExport(sodium, text);
    expect(report).toMatchObject({ ok: true, problems: [], breaks: [] });
    if (!('devices' in report)) throw new Error('unreadable');
    expect(report.devices.map((d) => d.deviceId)).toEqual(expect.arrayContaining([desk.clinic.client().deviceId, lee.clinic.client().deviceId]));
    expect(report.fingerprint).toBe(admin.clinic.client().fingerprint);
    // One byte: a digit of an event's time.
    const at = text.indexOf('"at": ') + 8;
    const edited = `${text.slice(0, at)}${text[at] === '1' ? '2' : '1'}${text.slice(at + 1)}`;
    expect(verifyAuditExport(sodium, edited).ok).toBe(false);
    // A cut file and a file of something else say so.
    expect(verifyAuditExport(sodium, text.slice(0, 200))).toMatchObject({ ok: false, unreadableFile: expect.stringContaining('not JSON') });
    expect(verifyAuditExport(sodium, '{"a":1}')).toMatchObject({ ok: false });
    // The CSV export quotes what must be quoted and keeps formulas as text.
    admin.savePath.value = join(admin.dataDir, 'trail.csv');
    await desk.consent.audit('patient.viewed', null, { note: '=HYPERLINK("x")' });
    await desk.audit.ship();
    await admin.call('audit:export', { format: 'csv', filter: {} });
    const csv = readFileSync(admin.savePath.value, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('time_utc,computer,seq,staff,action,subject_type,subject_id,details');
    expect(csv).not.toMatch(/,=HYPERLINK/);
    // The export is audited.
    expect((await admin.call<ClinicAuditView>('audit:clinic', { filter: { action: 'audit.exported' } })).rows.length).toBe(2);
    if (process.env.AUDIT_SAMPLE_DIR) {
      writeFileSync(join(process.env.AUDIT_SAMPLE_DIR, "good.audit.json"), text);
      writeFileSync(join(process.env.AUDIT_SAMPLE_DIR, "edited.audit.json"), edited);
    }
  });
});

describe('step-up sign-in for root actions', () => {
  it('refuses root actions without a fresh code once enrolled; a wrong, a replayed or a drifted code is refused', async () => {
    const { admin, now, rules } = await clinic();
    const { secret } = await admin.call<{ secret: string }>('stepup:begin');
    const code = (at: number) => generateSync({ secret, epoch: Math.floor(at / 1000) });
    await expect(admin.call('stepup:confirm', { code: code(now()) === '000000' ? '111111' : '000000' })).rejects.toMatchObject({ code: 'invalid-code' });
    const first = code(now());
    const { recoveryCodes } = await admin.call<{ recoveryCodes: string[] }>('stepup:confirm', { code: first });
    expect(recoveryCodes).toHaveLength(10);
    // Fresh right after enrolling; five minutes later, refused in main.
    await admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0101' } });
    now.advance(5 * 60_000 + 1000);
    await expect(admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0102' } })).rejects.toMatchObject({ code: 'step-up-required' });
    await expect(admin.call('people:approve')).rejects.toMatchObject({ code: 'step-up-required' });
    await expect(admin.call('people:invite', { displayName: 'New One', role: 'clinician', validDays: 7 })).rejects.toMatchObject({ code: 'step-up-required' });
    await expect(admin.call('audit:export', { format: 'csv', filter: {} })).rejects.toMatchObject({ code: 'step-up-required' });
    // The same code again (its step already used): refused as a replay, even within its window.
    now.advance(-(5 * 60_000 + 1000) + 10_000);
    await expect(admin.call('stepup:verify', { code: first })).rejects.toMatchObject({ code: 'invalid-code', reason: 'replayed' });
    now.advance(5 * 60_000);
    // Clock drift: a code one step (30 s) behind is accepted; three steps behind is not.
    await expect(admin.call('stepup:verify', { code: code(now() - 95_000) })).rejects.toMatchObject({ code: 'invalid-code' });
    await admin.call('stepup:verify', { code: code(now() - 30_000) });
    await admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0103' } });
    // A recovery code works once.
    now.advance(6 * 60_000);
    await admin.call('stepup:verify', { code: recoveryCodes[0] });
    expect(await admin.call('stepup:status')).toMatchObject({ enrolled: true, recoveryLeft: 9 });
    now.advance(6 * 60_000);
    await expect(admin.call('stepup:verify', { code: recoveryCodes[0] })).rejects.toMatchObject({ code: 'invalid-code' });
    // Locking ends the fresh window.
    await admin.call('stepup:verify', { code: code(now()) });
    await admin.call('session:lock');
    await admin.call('profiles:unlock', { profileId: (await admin.call<{ id: string }[]>('profiles:list'))[0]?.id, passphrase });
    await expect(admin.call('people:approve')).rejects.toMatchObject({ code: 'step-up-required' });
    // The attempts are in the audit trail.
    const events = admin.consent.auditTrail({ limit: 100 }).events.map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(['step-up.enrolled', 'step-up.verified', 'step-up.refused']));
  });

  it('with the rule on, an IT admin who has not enrolled must enroll before any root action', async () => {
    const { admin, rules } = await clinic();
    await admin.call('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0100', security: { ...rules.security, stepUpRequired: true } } });
    await expect(admin.call('people:approve')).rejects.toMatchObject({ code: 'step-up-required', reason: 'enroll' });
    // Front desk and clinicians never reach step-up: their role is refused first.
  });
});
