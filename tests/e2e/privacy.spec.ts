// The IT admin's privacy desk in the real renderer against the real main services: the
// clinic's audit trail (filters, timeline, computers), setting up an authenticator app with
// its recovery codes, the code asked again for a root action once five minutes are over, and
// a signed export that the `npm run audit:verify` command itself checks (and refuses after
// one changed byte).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { generateSync } from 'otplib';

import { type HeadlessDevice, openDevice } from '../../tools/headless';
import { type Clock, instants } from '../support/clock';
import { expect, test } from './fixtures';
import type { Harness } from './harness';

test.use({ clockAt: instants.weekdayOpen });

const root = resolve(import.meta.dirname, '../..');

async function dispatch<T>(app: Harness, channel: string, request: unknown = {}): Promise<T> {
  const result = await app.router.dispatch(channel, request, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
  return result.value as T;
}

/** The code an authenticator app would show now for this key (on main's clock). */
const codeFor = (app: Harness, secret: string) => generateSync({ secret, epoch: Math.floor(app.now() / 1000), period: 30 });

function auditVerify(file: string): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'run-cli.mjs'), 'audit-verify', '--', file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

test('the privacy desk: the clinic audit trail, an authenticator app, and a signed export that verifies offline', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(180_000);
  await dispatch(app, 'profiles:create', { displayName: 'Robin Admin', passphrase: 'copper lantern orbit meadow 47' });
  await dispatch(app, 'clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Family Clinic', yourName: 'Robin Admin', timeZone: 'America/Toronto' });
  const patient = await dispatch<{ id: string }>(app, 'patients:register', { givenName: 'Maya', familyName: 'Okafor', dateOfBirth: '1984-03-12' });
  await dispatch(app, 'patients:register', { givenName: 'Jo', familyName: 'Ng', dateOfBirth: '1975-09-30' });
  const dir = mkdtempSync(join(tmpdir(), 'clinic-privacy-'));
  try {
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Privacy desk' }).click();
    await expect(page.getByRole('heading', { name: 'Privacy desk' })).toBeVisible();
    await expect(page.getByTestId('audit-intact')).toContainText('Every computer’s trail is complete');
    const events = page.getByTestId('audit-events');
    await expect(events.getByRole('rowheader', { name: 'patient.registered' })).toHaveCount(2);
    await expect(page.getByTestId('audit-computers').getByRole('rowheader')).toContainText(['(This computer)']);
    await expect(page.getByTestId('audit-timeline').getByRole('listitem')).toHaveCount(1);
    await shoot('audit-trail-en');
    await checkA11y();

    // Filter by patient: only that patient's events are left.
    await page.getByLabel('Patient id').fill(patient.id);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByTestId('audit-count')).toHaveText(/^1 of \d+ events match\.$/);
    await expect(events.getByRole('rowheader')).toHaveText(['patient.registered']);
    // Dates the wrong way round are refused in the form.
    await page.getByLabel('From').fill('2026-12-03');
    await page.getByLabel('To (included)').fill('2026-12-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByText('The end date is before the start date.')).toBeVisible();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('What').fill('nothing.like.this');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByText('No event matches these filters.')).toBeVisible();
    await shoot('audit-empty-en');
    await page.getByRole('button', { name: 'Clear' }).click();

    // Set up an authenticator app: a QR code and its key; a wrong code is refused in place.
    await expect(page.getByTestId('step-up-state')).toHaveText('No authenticator app is set up yet.');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const enroll = page.getByRole('dialog', { name: 'Set up an authenticator app' });
    await expect(enroll.getByRole('img', { name: /QR code/ })).toBeVisible();
    const secret = (await enroll.getByTestId('step-up-secret').getAttribute('data-secret')) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expect(enroll.getByLabel('Code', { exact: true })).toBeFocused();
    await shoot('totp-enroll-en');
    await enroll.getByLabel('Code', { exact: true }).fill('000000' === codeFor(app, secret) ? '111111' : '000000');
    await enroll.getByRole('button', { name: 'Confirm' }).click();
    await expect(enroll.getByText('That code is not right.', { exact: false })).toBeVisible();
    await enroll.getByLabel('Code', { exact: true }).fill(codeFor(app, secret));
    await enroll.getByRole('button', { name: 'Confirm' }).click();
    const recovery = page.getByRole('dialog', { name: 'Your recovery codes' });
    await expect(recovery.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
    const recoveryCodes = await recovery.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
    expect(new Set(recoveryCodes).size).toBe(10);
    await shoot('totp-recovery-en');
    await checkA11y();
    await recovery.getByRole('button', { name: 'I have kept these codes' }).click();
    await expect(page.getByTestId('step-up-state')).toHaveText('An authenticator app is set up. 10 recovery codes left.');

    // Six minutes later a root action asks for a code again; a recovery code serves, once.
    (app.now as Clock).advance(6 * 60_000);
    const file = join(dir, 'audit.audit.json');
    app.dialogs.savePath = file;
    await page.getByRole('button', { name: 'Export signed file' }).click();
    const verify = page.getByRole('dialog', { name: 'Enter a sign-in code' });
    await expect(verify).toBeVisible();
    await shoot('totp-verify-en');
    await checkA11y();
    await verify.getByLabel('Code', { exact: true }).fill(recoveryCodes[0] ?? '');
    await verify.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByText(/^\d+ events exported\.$/)).toBeVisible();
    await expect(verify).toBeHidden();
    await expect(page.getByTestId('step-up-state')).toHaveText('An authenticator app is set up. 9 recovery codes left.');

    // The command a regulator's auditor runs: the export verifies; one changed byte fails it.
    const good = auditVerify(file);
    expect(good.out).toContain('VERIFIED');
    expect(good.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('patient.registered');
    expect(at).toBeGreaterThan(0);
    const edited = join(dir, 'edited.audit.json');
    writeFileSync(edited, `${text.slice(0, at)}patient.registerex${text.slice(at + 'patient.registered'.length)}`);
    const bad = auditVerify(edited);
    expect(bad.status).toBe(1);
    expect(bad.out).toContain('NOT VERIFIED');
    expect(bad.out).toContain('PROBLEM');

    // The export, the code and the reads are in the trail themselves.
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(events.getByRole('rowheader', { name: 'audit.exported' })).toHaveCount(1);
    await expect(events.getByRole('rowheader', { name: 'step-up.enrolled' })).toHaveCount(1);
    await expect(events.getByRole('rowheader', { name: 'step-up.verified' })).toHaveCount(1);

    // The same screens in French.
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('heading', { name: 'Confidentialité', level: 2 })).toBeVisible();
    await expect(page.getByTestId('audit-intact')).toContainText('Le journal de chaque ordinateur est complet');
    await shoot('audit-trail-fr');
    (app.now as Clock).advance(6 * 60_000);
    await page.getByRole('button', { name: 'Exporter en CSV' }).click();
    const verifyFr = page.getByRole('dialog', { name: 'Entrez un code de connexion' });
    await expect(verifyFr).toBeVisible();
    await verifyFr.getByLabel('Code', { exact: true }).fill('123');
    await verifyFr.getByRole('button', { name: 'Confirmer' }).click();
    await expect(verifyFr.getByText('Ce code n’est pas le bon.', { exact: false })).toBeVisible();
    await shoot('totp-verify-fr');
    await checkA11y();
    await verifyFr.getByRole('button', { name: 'Annuler' }).click();
    await expect(page.getByText('Cette action demande un code de votre application d’authentification.')).toBeVisible();
    // Replacing the app needs a code from the one set up now; then the new key is shown.
    await page.getByRole('button', { name: 'Remplacer l’application d’authentification' }).click();
    await expect(verifyFr).toBeVisible();
    await verifyFr.getByLabel('Code', { exact: true }).fill(codeFor(app, secret));
    await verifyFr.getByRole('button', { name: 'Confirmer' }).click();
    const enrollFr = page.getByRole('dialog', { name: 'Configurer une application d’authentification' });
    await expect(enrollFr.getByTestId('step-up-secret')).toBeVisible();
    expect(await enrollFr.getByTestId('step-up-secret').getAttribute('data-secret')).not.toBe(secret);
    await shoot('totp-enroll-fr');
    await checkA11y();
    await enrollFr.getByRole('button', { name: 'Annuler' }).click();
    await expect(enrollFr).toBeHidden();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stolen computer opens a privacy incident: what happened, who was told, the decision, the deadline', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(180_000);
  await dispatch(app, 'profiles:create', { displayName: 'Robin Admin', passphrase: 'copper lantern orbit meadow 47' });
  await dispatch(app, 'clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Family Clinic', yourName: 'Robin Admin', timeZone: 'America/Toronto' });
  const dir = mkdtempSync(join(tmpdir(), 'clinic-incident-'));
  let device: HeadlessDevice | null = null;
  try {
    const invite = await dispatch<{ code: string; relayUrl: string }>(app, 'people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 7 });
    device = await openDevice(dir, 'dr-lee');
    await device.client.redeemInvite({ relayUrl: invite.relayUrl, code: invite.code });
    await dispatch(app, 'people:approve', {});
    expect(await device.client.completeJoin()).toBe(true);
    await dispatch(app, 'people:revoke', { deviceId: device.client.deviceId, reason: 'stolen' });

    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Privacy desk' }).click();
    const table = page.getByTestId('incidents');
    await expect(table.getByRole('rowheader')).toHaveText(['Lost or stolen computer · stolen']);
    await expect(table.getByText('(60 days left)')).toBeVisible();
    await expect(table.getByRole('cell', { name: 'Not decided yet' })).toBeVisible();
    await shoot('incident-list-en');

    await table.getByRole('button', { name: /^Open the incident/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Incident: Lost or stolen computer' });
    await dialog.getByLabel('What happened').fill('The front-desk laptop was taken from the car of a staff member.');
    await dialog.getByLabel('Who (the patient, the regulator…)').fill('Privacy commissioner');
    await dialog.getByLabel('How (phone, letter, email…)').fill('online form');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await expect(dialog.getByText(/^Privacy commissioner \(online form\), /)).toBeVisible();
    await dialog.getByLabel('Decision on notifying').selectOption({ label: 'Notify' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByText('Say why the clinic decided this.')).toBeVisible();
    await dialog.getByLabel('Why (the risk assessment, in short)').fill('The disk was encrypted, but the passphrase rule was weak at the time.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Incident saved.')).toBeVisible();
    await expect(dialog.getByTestId('incident-timeline').getByRole('listitem')).toHaveCount(4);
    await shoot('incident-detail-en');
    await checkA11y();

    const file = join(dir, 'incident.json');
    app.dialogs.savePath = file;
    await dialog.getByRole('button', { name: 'Export for the file' }).click();
    await expect(page.getByText('Incident exported.')).toBeVisible();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { incident: { kind: string; record: { decision: string } } };
    expect(exported.incident).toMatchObject({ kind: 'lost-device', record: { decision: 'notify' } });
    await dialog.getByRole('button', { name: 'Close the incident' }).click();
    await expect(table.getByRole('cell', { name: 'Closed' })).toBeVisible();
    // A closed incident's record no longer changes; the dialog says so by having nothing to edit.
    await expect(dialog.getByLabel('What happened')).toBeDisabled();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(dialog).toBeHidden();

    await page.getByLabel('Language').selectOption('fr');
    await page.getByTestId('incidents').getByRole('button', { name: /^Ouvrir l’incident/ }).click();
    await expect(page.getByRole('dialog', { name: 'Incident : Ordinateur perdu ou volé' })).toBeVisible();
    await shoot('incident-detail-fr');
    await checkA11y();
  } finally {
    if (device) await device.client.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
