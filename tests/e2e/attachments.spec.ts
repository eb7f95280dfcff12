// Attachments in Chromium (ADR 19). In the clinician's inbox against the real router: a
// patient's photo shows inline from a blob: URL and enlarges; a PDF attached by the clinician
// (checked from its bytes, a file that only claims to be a photo refused) reaches the patient
// and opens in the app's own viewer; "Save a copy" writes where the clinician chose and the
// audit trail says so. In the portal at phone size, served by a real relay: a photo with GPS
// tags is previewed, sent, and arrives at the clinic without any; the clinic's PDF downloads.
import { readFileSync } from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { type Page, expect as baseExpect, test as base } from '@playwright/test';

import { findMetadata } from '../../src/shared/image-metadata';
import { defaultClinicRules } from '../../src/shared/protocol/clinic-rules';
import { startHeadlessClinic } from '../../tools/headless';
import { instants } from '../support/clock';
import { jpegWithGps } from '../support/exif';
import { memoryFile, simplePdf } from '../support/files';
import { joinClinicAs, recordConsent } from './clinic-setup';
import { expect, test } from './fixtures';

test.setTimeout(120_000);
test.use({ clockAt: instants.weekdayOpen });

/** A real JPEG, drawn by the browser: a reddish patch on skin tones, as a rash photo might be. */
async function drawnJpeg(page: Page, width = 640, height = 480): Promise<Uint8Array> {
  const base64 = await page.evaluate(
    ([w, h]) => {
      const canvas = document.createElement('canvas');
      canvas.width = w as number;
      canvas.height = h as number;
      const g = canvas.getContext('2d') as CanvasRenderingContext2D;
      g.fillStyle = '#e8b89a';
      g.fillRect(0, 0, w as number, h as number);
      for (let i = 0; i < 40; i += 1) {
        g.fillStyle = `rgba(190, 40, 40, ${0.15 + (i % 5) * 0.08})`;
        g.beginPath();
        g.arc(((i * 97) % (w as number)) * 0.6 + 120, ((i * 53) % (h as number)) * 0.6 + 90, 14 + (i % 7) * 3, 0, Math.PI * 2);
        g.fill();
      }
      return canvas.toDataURL('image/jpeg', 0.9).split(',')[1] as string;
    },
    [width, height],
  );
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

test('the clinician sees a patient’s photo inline, sends a PDF, opens it in the viewer and saves a copy', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  try {
    const admin = setup.admin.clinic.client();
    const rules = (await admin.verifiedDirectory(true)).rules;
    if (!rules) throw new Error('no rules');
    await admin.publishPolicy({ ...rules, security: { ...rules.security, patientAttachments: true, undoSendSeconds: 0 } });
    const { code } = await recordConsent(setup.admin.call, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' }, ['clinical', 'attachments']);
    const alex = await setup.patientDevice(code);
    await alex.verifiedDirectory();
    await page.goto(app.url);
    const photo = await drawnJpeg(page);
    await alex.client.send('The rash on my forearm this morning.', { files: [memoryFile('IMG_2041.JPG', 'image/jpeg', photo)] });
    await alex.client.flush();

    await page.getByRole('tab', { name: 'Conversations' }).click();
    await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option', { name: /Alex Martin/ }).click();
    const file = page.getByTestId('attachment').filter({ hasText: 'IMG_2041.JPG' });
    await expect(file).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
    const image = file.getByRole('img', { name: 'Photo sent with the message: IMG_2041.JPG' });
    await expect(image).toBeVisible();
    await expect(image).toHaveAttribute('src', /^blob:/);
    expect(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(640);
    await shoot('attachment-inbox-photo-en');
    await checkA11y();
    await file.getByRole('button', { name: 'Enlarge IMG_2041.JPG' }).click();
    const zoom = page.getByRole('dialog', { name: 'IMG_2041.JPG' });
    await expect(zoom.getByRole('img')).toBeVisible();
    await shoot('attachment-inbox-zoom-en');
    await page.keyboard.press('Escape');
    await expect(zoom).toBeHidden();

    // A file that only claims to be a photo is refused, from its bytes; the conversation is as it was.
    const input = page.getByTestId('attach-input');
    await input.setInputFiles({ name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('MZ\u0090\u0000 this is a program, not a photo') });
    await expect(page.getByText('holiday.jpg is not a kind of file the clinic accepts (checked from its content).')).toBeVisible();
    await shoot('attachment-inbox-refused-en');
    await expect(page.getByTestId('staged-file')).toHaveCount(0);

    // The clinic's instructions, as a PDF: attached, previewed by name, sent.
    const pdfLine = 'Wound care: wash gently twice a day.';
    await input.setInputFiles({ name: 'Wound care\u202e.pdf', mimeType: 'application/pdf', buffer: Buffer.from(simplePdf(['Lakeside Family Clinic', pdfLine])) });
    const staged = page.getByTestId('staged-file');
    await expect(staged).toContainText('Wound care.pdf');
    await page.getByLabel('Message to Alex Martin').fill('Here are the instructions for the cream.');
    await shoot('attachment-inbox-staged-en');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(staged).toHaveCount(0);
    const sentFile = page.getByTestId('attachment').filter({ hasText: 'Wound care.pdf' });
    await expect(sentFile).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('[data-state="sent"], [data-state="delivered"]').filter({ hasText: 'Here are the instructions' })).toBeVisible({ timeout: 15_000 });

    // The patient's device gets it whole.
    await alex.sync();
    const reply = alex.messages().find((m) => m.body === 'Here are the instructions for the cream.');
    const pdf = await alex.client.openAttachment(reply?.messageId as string, reply?.attachments?.[0]?.blobId as string);
    expect(Buffer.concat(pdf.parts).toString('latin1')).toContain(pdfLine);

    // The viewer draws it in the app: no plugin, nothing from the file runs.
    await sentFile.getByRole('button', { name: 'Open Wound care.pdf' }).click();
    const viewer = page.getByTestId('pdf-viewer');
    await expect(viewer).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
    await expect(viewer.getByRole('img', { name: 'Page 1 of 1 of Wound care.pdf' })).toBeVisible();
    await shoot('attachment-inbox-pdf-en');

    // "Save a copy" writes only where the clinician chose, and the audit trail records it.
    const target = join(app.dataDir, 'saved-copy.pdf');
    app.dialogs.savePath = target;
    await page.getByRole('dialog', { name: 'Wound care.pdf' }).getByRole('button', { name: 'Save a copy of Wound care.pdf' }).click();
    await expect(page.getByText('A copy of Wound care.pdf was saved.')).toBeVisible();
    expect(readFileSync(target).toString('latin1')).toContain(pdfLine);
    const audit = await app.router.dispatch('audit:list', { limit: 50 }, { origin: app.origin });
    expect(JSON.stringify(audit)).toContain('attachment.saved');
    await page.keyboard.press('Escape');
  } finally {
    await setup.close();
  }
});

const portalDir = resolve(import.meta.dirname, '../../out/portal');
const shotsDir = resolve(import.meta.dirname, '../../test-results/screens');

base('a patient sends a photo from the portal on a phone: previewed, sent without its GPS tags; the clinic’s PDF downloads', async ({ page }) => {
  base.setTimeout(120_000);
  mkdirSync(shotsDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'cm-e2e-attach-'));
  const clinic = await startHeadlessClinic({ dir, clinicName: 'Lakeside Family Clinic', relay: { portalDir, connectionRate: { capacity: 1000, refillPerSecond: 100 } } });
  try {
    const allDay = [{ opens: '00:00', closes: '23:59' }];
    const rules = defaultClinicRules('Lakeside Family Clinic', 'America/Toronto');
    await clinic.admin.client.publishPolicy({
      ...rules,
      businessHours: { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay },
      phone: '613-555-0142',
      emergency: { number: '911', nearestEmergencyDepartment: 'Lakeside General Hospital, 200 Shore Road' },
      security: { ...rules.security, patientAttachments: true },
    });
    const dr = await clinic.addStaff('dr', 'clinician');
    const { code } = await clinic.admin.client.enrollPatient({ patientId: 'pat-ana', scopes: ['clinical', 'attachments'] });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${clinic.relay.url}/#code=${code}`);
    await page.getByRole('button', { name: 'Continue' }).click();
    const passphrase = 'maple harbour violin seventy';
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await page.getByLabel('Type the passphrase again').fill(passphrase);
    await page.getByRole('button', { name: 'Connect this device' }).click();
    await baseExpect(page.getByRole('heading', { level: 1, name: 'Lakeside Family Clinic' })).toBeVisible({ timeout: 30_000 });

    // A phone photo: EXIF with the camera, the orientation and where it was taken.
    const tagged = jpegWithGps(await drawnJpeg(page, 800, 600));
    baseExpect(findMetadata(tagged)).toEqual({ exif: true, gps: true, other: true });
    const camera = page.getByTestId('file-camera');
    baseExpect(await camera.getAttribute('accept')).toBe('image/*');
    baseExpect(await camera.getAttribute('capture')).toBe('environment');
    await page.getByTestId('file-picker').setInputFiles({ name: 'IMG_0042.JPG', mimeType: 'image/jpeg', buffer: Buffer.from(tagged) });
    const preview = page.getByTestId('file-preview');
    await baseExpect(preview).toContainText('IMG_0042.JPG');
    await baseExpect(preview.getByRole('img', { name: 'Preview of IMG_0042.JPG' })).toBeVisible();
    // A second file, then taken off before sending.
    await page.getByTestId('file-picker').setInputFiles({ name: 'form.pdf', mimeType: 'application/pdf', buffer: Buffer.from(simplePdf(['Insurance form'])) });
    await baseExpect(preview).toHaveCount(2);
    await page.getByRole('button', { name: 'Remove form.pdf' }).click();
    await baseExpect(preview).toHaveCount(1);
    await page.getByLabel('Your message').fill('This is the rash, it has spread since Monday.');
    await page.screenshot({ path: join(shotsDir, 'attachment-portal-preview-phone-en.png'), fullPage: true });
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const mine = page.getByTestId('message').filter({ hasText: 'it has spread since Monday' });
    await baseExpect(mine).toHaveAttribute('data-state', /sent|delivered|read/, { timeout: 15_000 });
    await baseExpect(preview).toHaveCount(0);
    await page.screenshot({ path: join(shotsDir, 'attachment-portal-sent-phone-en.png'), fullPage: true });

    // What reached the clinic is a JPEG with no EXIF, no GPS, no other metadata.
    const deadline = Date.now() + 15_000;
    let received: Uint8Array | null = null;
    while (!received && Date.now() < deadline) {
      await dr.client.sync();
      await dr.client.attachments.fetchPending();
      const message = dr.client.messages('pat-ana').find((m) => m.body.includes('spread since Monday'));
      const held = message ? dr.client.local.attachments.ofMessage(message.messageId)[0] : undefined;
      if (held?.state === 'ready') received = dr.client.attachments.open(held.blobId).bytes;
      else await new Promise((r) => setTimeout(r, 100));
    }
    baseExpect(received).not.toBeNull();
    const bytes = received as Uint8Array;
    baseExpect([bytes[0], bytes[1], bytes[2]]).toEqual([0xff, 0xd8, 0xff]);
    baseExpect(findMetadata(bytes)).toEqual({ exif: false, gps: false, other: false });
    baseExpect(Buffer.from(bytes).includes(Buffer.from('PhoneCam'))).toBe(false);

    // The clinic sends a PDF back: the portal offers it with a download button.
    const staged = await dr.client.attachments.stage({ patientId: 'pat-ana', name: 'Cream instructions.pdf', bytes: simplePdf(['Apply twice a day for a week.']), alreadyStaged: 0 });
    await dr.client.send({ patientId: 'pat-ana', body: 'Please follow these instructions.', attachments: [staged.blobId] });
    const download = page.getByRole('button', { name: 'Download Cream instructions.pdf' });
    await baseExpect(download).toBeVisible({ timeout: 15_000 });
    await page.screenshot({ path: join(shotsDir, 'attachment-portal-download-phone-en.png'), fullPage: true });
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    baseExpect(file.suggestedFilename()).toBe('Cream instructions.pdf');
    const saved = join(dir, 'downloaded.pdf');
    await file.saveAs(saved);
    baseExpect(readFileSync(saved).toString('latin1')).toContain('Apply twice a day for a week.');
    baseExpect(problems).toEqual([]);
  } finally {
    await clinic.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
