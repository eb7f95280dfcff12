// Consent capture through the real router, as the front desk's screens call it: a clinic on
// this computer, a front-desk account, a patient registered, the consent text acknowledged,
// choices and signature recorded, the enrollment code redeemed by the patient's device, the
// receipt saved, and a withdrawal that stops a clinician's messages at once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { HeadlessPatient, openDevice } from '../../tools/headless';
import { type TestApp, startTestApp } from '../support/main-app';
import { clinicDetails } from '../support/clinic-details';

const passphrase = 'granite puffin lantern ninety';
const dirs: string[] = [];
const apps: TestApp[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-consent-'));
  dirs.push(dir);
  return dir;
};

async function app(): Promise<TestApp> {
  const started = await startTestApp();
  apps.push(started);
  return started;
}

async function clinicWithFrontDesk(options: { details?: boolean } = {}) {
  const admin = await app();
  await admin.call('profiles:create', { displayName: 'IT', passphrase });
  const status = await admin.call<{ relayUrl: string }>('clinic:set-up', {
    where: 'this-computer',
    clinicName: 'Lakeside Clinic',
    yourName: 'Robin',
    timeZone: 'UTC',
    ...(options.details === false ? {} : { details: clinicDetails }),
  });
  const desk = await app();
  await desk.call('profiles:create', { displayName: 'Front desk', passphrase });
  await desk.call('clinic:join', { relayUrl: status.relayUrl, inviteCode: await admin.clinic.client().createInvite({ staffId: 'desk', displayName: 'Sam Desk', role: 'front-desk' }) });
  await admin.clinic.client().approvePendingDevices();
  await desk.call('clinic:check-approval');
  const clinician = await openDevice(tempDir(), 'dr');
  cleanups.push(() => clinician.client.close());
  await clinician.client.redeemInvite({ relayUrl: status.relayUrl, code: await admin.clinic.client().createInvite({ staffId: 'dr', displayName: 'Dr Lee', role: 'clinician' }) });
  await admin.clinic.client().approvePendingDevices();
  await clinician.client.completeJoin();
  return { admin, desk, clinician, relayUrl: status.relayUrl };
}

type Template = { document: { version: string; sections: { id: string; title: string }[]; text: string }; textHash: string };

async function recordConsent(desk: TestApp, patientId: string, granted: readonly string[] = ['clinical', 'reminders']) {
  const { document, textHash } = await desk.call<Template>('consent:template', { language: 'en' });
  return desk.call<{ record: { recordId: string; version: number; scopes: string[]; textHash: string }; enrollment: { code: string } | null; published: boolean; fingerprint: string }>('consent:record', {
    patientId,
    language: 'en',
    textVersion: document.version,
    textHash,
    acknowledged: document.sections.map((s) => s.id),
    identityMethod: 'photo-id',
    identityNote: 'Driver’s licence',
    choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: granted.includes(scope) })),
    excludedTopics: ['Mental health'],
    signature: { kind: 'typed', name: 'Alex Martin' },
    decisionMaker: null,
  });
}

describe('consent capture through the app', () => {
  it('records no consent until the clinic’s phone, emergency details and hours are set, and says who must set them', async () => {
    const { admin, desk } = await clinicWithFrontDesk({ details: false });
    const { id } = await desk.call<{ id: string }>('patients:register', { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    await expect(desk.call('consent:template', { language: 'en' })).rejects.toMatchObject({ code: 'clinic-incomplete', fields: { details: 'phone,emergency-department' }, message: expect.stringContaining('IT administrator') });
    await expect(recordConsent(desk, id)).rejects.toMatchObject({ code: 'clinic-incomplete' });
    // A set-up with a bad detail is refused field by field, and nothing is set up.
    const other = await app();
    await other.call('profiles:create', { displayName: 'IT 2', passphrase });
    await expect(
      other.call('clinic:set-up', { where: 'this-computer', clinicName: 'Second', yourName: 'Kim', timeZone: 'UTC', details: { ...clinicDetails, phone: 'none', closes: '07:00' } }),
    ).rejects.toMatchObject({ code: 'bad-request', fields: { 'details.phone': 'phone-format', 'details.closes': 'closes-before-opens' } });

    const { rules } = await admin.call<{ rules: Record<string, unknown> & { emergency: Record<string, string> } }>('clinic:status');
    await admin.call('clinic:update-rules', { rules: { ...rules, phone: '613-555-0142', emergency: { ...rules.emergency, nearestEmergencyDepartment: 'Lakeside General Hospital' } } });
    // The rules do not accept photos (the default), so that opt-in cannot be recorded.
    await expect(recordConsent(desk, id, ['clinical', 'attachments'])).rejects.toMatchObject({ code: 'invalid-request', fields: { choices: 'attachments' } });
    const recorded = await recordConsent(desk, id);
    expect(recorded.record.scopes).toEqual(['clinical', 'reminders']);
    // Once IT accepts photos, the same choice is recorded.
    const current = await admin.call<{ rules: Record<string, unknown> & { security: Record<string, unknown> } }>('clinic:status');
    await admin.call('clinic:update-rules', { rules: { ...current.rules, security: { ...current.rules.security, patientAttachments: true } } });
    const second = await desk.call<{ id: string }>('patients:register', { givenName: 'Noa', familyName: 'Roy', dateOfBirth: '1991-06-12' });
    expect((await recordConsent(desk, second.id, ['clinical', 'attachments'])).record.scopes).toEqual(['clinical', 'attachments']);
    const { document } = await desk.call<Template>('consent:template', { language: 'en' });
    expect(document.text).toContain('613-555-0142');
    expect(document.text).not.toMatch(/Not set|: \.|at \./);
  });

  it('records a signed consent, issues a code the patient redeems, saves the receipt, and a withdrawal stops clinicians', async () => {
    const { admin, desk, clinician, relayUrl } = await clinicWithFrontDesk();
    await expect(desk.call('patients:register', { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '2999-01-01' })).rejects.toMatchObject({ code: 'bad-request', fields: { dateOfBirth: 'date-range' } });
    const patient = await desk.call<{ id: string }>('patients:register', { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02', phone: '+1 555 0101' });
    expect(await desk.call<{ patient: { id: string }; status: string }[]>('patients:find', { query: 'mart' })).toMatchObject([{ patient: { id: patient.id }, status: 'none' }]);

    // Every section must be acknowledged, and the text must be the current one.
    const { document, textHash } = await desk.call<Template>('consent:template', { language: 'en' });
    expect(document.text).toContain('Lakeside Clinic');
    const partial = {
      patientId: patient.id,
      language: 'en',
      textVersion: document.version,
      textHash,
      acknowledged: document.sections.slice(0, 3).map((s) => s.id),
      identityMethod: 'photo-id',
      identityNote: '',
      choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: scope === 'clinical' })),
      excludedTopics: [],
      signature: { kind: 'typed', name: 'Alex Martin' },
      decisionMaker: null,
    };
    await expect(desk.call('consent:record', partial)).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(desk.call('consent:record', { ...partial, acknowledged: document.sections.map((s) => s.id), textHash: 'A'.repeat(44) })).rejects.toMatchObject({ code: 'invalid-request' });

    const receipt = await recordConsent(desk, patient.id);
    expect(receipt.published).toBe(true);
    expect(receipt.record).toMatchObject({ version: 1, scopes: ['clinical', 'reminders'], textHash });
    expect(receipt.enrollment?.code).toMatch(/^([A-Z2-7]{4}-){17}[A-Z2-7]{4}$/);
    let register = await desk.call<{ rows: { status: string }[] }>('consent:register', { query: '', status: 'all' });
    expect(register.rows[0]?.status).toBe('pending-enrollment');

    // The patient's device redeems the code from the receipt.
    const phone = await HeadlessPatient.enroll({ name: 'patient', dir: tempDir(), relayUrl, code: receipt.enrollment!.code });
    cleanups.push(() => phone.close());
    expect({ fingerprint: phone.client.snapshot().fingerprint, patientId: phone.patientId }).toEqual({ fingerprint: receipt.fingerprint, patientId: patient.id });
    register = await desk.call('consent:register', { query: '', status: 'all' });
    expect(register.rows[0]?.status).toBe('active');

    // The receipt as a PDF, where the clerk chose to save it.
    desk.savePath.value = join(tempDir(), 'receipt.pdf');
    const saved = await desk.call<{ bytes: number }>('consent:save-receipt', { recordId: receipt.record.recordId });
    expect(saved.bytes).toBeGreaterThan(5000);
    expect(readFileSync(desk.savePath.value).subarray(0, 5).toString()).toBe('%PDF-');

    // A clinician writes; after the withdrawal, neither the clinician nor the relay lets a message through.
    await clinician.client.verifiedDirectory(true);
    expect((await clinician.client.send({ patientId: patient.id, body: 'Your prescription is ready.' })).state).toBe('sent');
    const withdrawal = await desk.call<{ version: number; status: string; scopes: string[] }>('consent:withdraw', { patientId: patient.id, reason: 'Prefers phone calls' });
    expect(withdrawal).toMatchObject({ version: 2, status: 'withdrawn', scopes: [] });
    await clinician.client.verifiedDirectory(true);
    await expect(clinician.client.send({ patientId: patient.id, body: 'One more thing' })).rejects.toMatchObject({ code: 'no-consent' });
    // The message sent before stays with the patient, as they were told.
    await phone.sync();
    expect(phone.messages().map((m) => m.body)).toEqual(['Your prescription is ready.']);

    const history = await desk.call<{ row: { status: string }; records: { record: { version: number; event: string; supersedes: string | null }; published: boolean }[] }>('consent:history', { patientId: patient.id });
    expect(history.row.status).toBe('withdrawn');
    expect(history.records.map((r) => [r.record.version, r.record.event, r.published])).toEqual([
      [1, 'grant', true],
      [2, 'withdraw', true],
    ]);
    expect(history.records[1]?.record.supersedes).toBe(receipt.record.recordId);

    // Every consent event is in this computer's audit trail, whose hash chain is intact.
    const audit = await desk.call<{ events: { action: string; subjectId: string | null; deviceId: string | null; details: Record<string, unknown> }[]; chain: { ok: boolean } }>('audit:list', { limit: 50, subjectId: patient.id });
    expect(audit.chain.ok).toBe(true);
    expect(audit.events.map((e) => e.action)).toEqual(['consent.withdraw', 'consent.receipt-saved', 'consent.grant', 'patient.registered']);
    expect(audit.events[0]).toMatchObject({ deviceId: desk.clinic.client().deviceId, details: { version: 2, status: 'withdrawn', scopes: [] } });
    expect(JSON.stringify(audit.events)).not.toContain('Martin');

    // Roles: a clinician account cannot record consent; the IT admin can read the register.
    expect((await admin.call<{ rows: unknown[] }>('consent:register', { query: '', status: 'all' })).rows).toEqual([]);
  });

  it('issues a new code when the short code was refused after too many wrong tries; the new short code connects the patient', async () => {
    const { desk, relayUrl } = await clinicWithFrontDesk();
    const patient = await desk.call<{ id: string }>('patients:register', { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const first = await recordConsent(desk, patient.id);
    const firstShort = (first.enrollment as unknown as { shortCode: string }).shortCode;
    // Five wrong dates of birth: the fifth refuses the short code for good.
    for (let i = 0; i < 5; i += 1) {
      await expect(HeadlessPatient.enroll({ name: `guess-${i}`, dir: tempDir(), relayUrl, code: firstShort, birthDate: `1990-01-0${i + 1}` })).rejects.toMatchObject({ code: i < 4 ? 'code-or-birth-date' : 'code-refused' });
    }
    await expect(HeadlessPatient.enroll({ name: 'late', dir: tempDir(), relayUrl, code: firstShort, birthDate: '1980-04-02' })).rejects.toMatchObject({ code: 'code-refused' });

    const again = await desk.call<{ record: { recordId: string }; enrollment: { code: string; shortCode: string } }>('consent:new-code', { patientId: patient.id });
    expect(again.record.recordId).toBe(first.record.recordId);
    expect(again.enrollment.shortCode).not.toBe(firstShort);
    // The receipt shows the newest code from now on.
    expect((await desk.call<{ enrollment: { shortCode: string } }>('consent:receipt', { recordId: first.record.recordId })).enrollment.shortCode).toBe(again.enrollment.shortCode);
    // The earlier code, long form included, stopped working when the new one was issued.
    await expect(HeadlessPatient.enroll({ name: 'old-paper', dir: tempDir(), relayUrl, code: (first.enrollment as { code: string }).code })).rejects.toMatchObject({ code: 'expired' });
    const phone = await HeadlessPatient.enroll({ name: 'patient', dir: tempDir(), relayUrl, code: again.enrollment.shortCode, birthDate: '1980-04-02' });
    cleanups.push(() => phone.close());
    const trail = await desk.call<{ events: { action: string }[] }>('audit:list', { limit: 20 });
    expect(trail.events.map((e) => e.action)).toContain('consent.code-reissued');

    await desk.call('consent:withdraw', { patientId: patient.id, reason: '' });
    await expect(desk.call('consent:new-code', { patientId: patient.id })).rejects.toMatchObject({ code: 'no-consent' });
  });

  it('keeps a record signed while the server is down and sends it when it is back', async () => {
    const { admin, desk, clinician } = await clinicWithFrontDesk();
    const patient = await desk.call<{ id: string }>('patients:register', { givenName: 'Jo', familyName: 'Ng', dateOfBirth: '1975-09-30' });
    const first = await recordConsent(desk, patient.id, ['clinical']);
    expect(first.published).toBe(true);
    // The embedded relay runs in the admin's app: lock it and quit (relay down), withdraw, unlock again.
    const adminProfile = admin.session.current()?.summary.id;
    await admin.session.lock('manual');
    await admin.clinic.close();
    await desk.clinic.client().disconnect();
    const withdrawn = await desk.call<{ version: number }>('consent:withdraw', { patientId: patient.id, reason: '' });
    expect(withdrawn.version).toBe(2);
    let register = await desk.call<{ rows: { unpublished: boolean; status: string }[] }>('consent:register', { query: '', status: 'all' });
    expect(register.rows[0]).toMatchObject({ unpublished: true, status: 'withdrawn' });
    await admin.call('profiles:unlock', { profileId: adminProfile, passphrase });
    register = await desk.call('consent:register', { query: '', status: 'all' });
    expect(register.rows[0]).toMatchObject({ unpublished: false });
    await clinician.client.verifiedDirectory(true);
    await expect(clinician.client.send({ patientId: patient.id, body: 'Hello' })).rejects.toMatchObject({ code: 'no-consent' });
  });

  it('lets the patient withdraw from their own device: the relay stops staff at once and the register records it', async () => {
    const { desk, clinician, relayUrl } = await clinicWithFrontDesk();
    const patient = await desk.call<{ id: string }>('patients:register', { givenName: 'Kim', familyName: 'Roy', dateOfBirth: '1990-01-15' });
    const receipt = await recordConsent(desk, patient.id, ['clinical']);
    const phone = await HeadlessPatient.enroll({ name: 'patient', dir: tempDir(), relayUrl, code: receipt.enrollment!.code });
    cleanups.push(() => phone.close());
    await clinician.client.verifiedDirectory(true);
    expect((await clinician.client.send({ patientId: patient.id, body: 'Lab results are in.' })).state).toBe('sent');

    await phone.withdraw();
    // The clinician's device sees the withdrawal and refuses; the relay refuses a sealed envelope too.
    await clinician.client.verifiedDirectory(true);
    await expect(clinician.client.send({ patientId: patient.id, body: 'Follow-up' })).rejects.toMatchObject({ code: 'no-consent' });
    await expect(phone.send('Actually, one more question')).rejects.toMatchObject({ code: 'no-consent' });

    const register = await desk.call<{ rows: { status: string }[] }>('consent:register', { query: '', status: 'all' });
    expect(register.rows[0]?.status).toBe('withdrawn');
    const history = await desk.call<{ records: { record: { event: string; reason: string } }[] }>('consent:history', { patientId: patient.id });
    expect(history.records.map((r) => r.record.event)).toEqual(['grant', 'withdraw']);
    expect(history.records[1]?.record.reason).toMatch(/patient/);

    // A new consent at the counter, recorded after the withdrawal, opens messaging again.
    const again = await recordConsent(desk, patient.id, ['clinical']);
    expect(again.record.version).toBe(3);
    await clinician.client.verifiedDirectory(true);
    expect((await clinician.client.send({ patientId: patient.id, body: 'Welcome back.' })).state).toBe('sent');
  });

  it('prints the receipt with the exact text agreed to, even after the clinic changed its rules', async () => {
    const { admin, desk } = await clinicWithFrontDesk();
    const patient = await desk.call<{ id: string }>('patients:register', { givenName: 'Ana', familyName: 'Silva', dateOfBirth: '1966-03-12' });
    const receipt = await recordConsent(desk, patient.id, ['clinical']);
    const status = await admin.call<{ rules: Record<string, unknown> }>('clinic:status');
    await admin.call('clinic:update-rules', { rules: { ...status.rules, phone: '+1 555 0199' } });
    await desk.clinic.client().verifiedDirectory(true);
    const now = await desk.call<{ document: { text: string; version: string } }>('consent:template', { language: 'en' });
    expect(now.document.version).toBe('p2-t1-en');
    expect(now.document.text).toContain('+1 555 0199');
    const again = await desk.call<{ document: { text: string; version: string } | null; record: { textVersion: string } }>('consent:receipt', { recordId: receipt.record.recordId });
    expect(again.document?.version).toBe('p1-t1-en');
    expect(again.document?.text).not.toContain('+1 555 0199');
    expect(again.record.textVersion).toBe('p1-t1-en');
  });

  it('lets the clinic’s rule set how long a consent lasts, says so in the text, and flags renewals', async () => {
    const { admin, desk } = await clinicWithFrontDesk();
    const status = await admin.call<{ rules: Record<string, unknown> }>('clinic:status');
    await admin.call('clinic:update-rules', { rules: { ...status.rules, consentRenewal: { validityMonths: 1, reminderDays: 45 } } });
    await desk.clinic.client().verifiedDirectory(true);
    const { document } = await desk.call<{ document: { text: string } }>('consent:template', { language: 'en' });
    expect(document.text).toContain('Your agreement lasts 1 month.');
    const patient = await desk.call<{ id: string }>('patients:register', { givenName: 'Noor', familyName: 'Haddad', dateOfBirth: '1984-08-20' });
    const receipt = await recordConsent(desk, patient.id, ['clinical']);
    const expiresAt = (receipt.record as unknown as { expiresAt: number }).expiresAt;
    expect(expiresAt - Date.now()).toBeGreaterThan(27 * 86_400_000);
    expect(expiresAt - Date.now()).toBeLessThan(32 * 86_400_000);
    // One month left is inside the 45-day reminder window.
    const register = await desk.call<{ rows: { renewalDue: boolean; expiresAt: number }[] }>('consent:register', { query: '', status: 'all' });
    expect(register.rows[0]).toMatchObject({ renewalDue: true, expiresAt });
  });
});
