// The front-desk consent flow as a clerk runs it with a patient at the counter, in the real
// renderer against the real main services and a real relay: register the patient, check
// identity, read every part together, choose, sign on the canvas, record, hand over the
// receipt. Then the record, the PDF and the enrollment code are checked for what they hold.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from '@playwright/test';
import { extractText, getDocumentProxy } from 'unpdf';

import { joinClinicAs } from './clinic-setup';
import { expect, receiptsDir, test } from './fixtures';

type Lang = 'en' | 'fr';
const words = {
  en: {
    tab: 'New consent',
    newPatient: 'Register a new patient',
    given: 'First name',
    family: 'Last name',
    dob: 'Date of birth',
    registerContinue: 'Register and continue',
    note: 'Note (optional)',
    next: 'Continue',
    acknowledge: 'We read this part — next',
    largeType: 'Large type',
    reminders: 'Appointment reminders',
    excluded: 'Topics the patient does not want to discuss by message (optional)',
    addTopic: 'Add topic',
    pad: 'Signature area',
    record: 'Record consent',
    receiptTitle: 'Consent recorded',
    savePdf: 'Save as PDF',
    done: 'Done',
  },
  fr: {
    tab: 'Nouveau consentement',
    newPatient: 'Inscrire un nouveau patient',
    given: 'Prénom',
    family: 'Nom de famille',
    dob: 'Date de naissance',
    registerContinue: 'Inscrire et continuer',
    note: 'Note (facultatif)',
    next: 'Continuer',
    acknowledge: 'Partie lue — suivante',
    largeType: 'Gros caractères',
    reminders: 'Rappels de rendez-vous',
    excluded: 'Sujets que le patient ne veut pas aborder par message (facultatif)',
    addTopic: 'Ajouter le sujet',
    pad: 'Zone de signature',
    record: 'Enregistrer le consentement',
    receiptTitle: 'Consentement enregistré',
    savePdf: 'Enregistrer en PDF',
    done: 'Terminé',
  },
} as const;

async function drawSignature(page: Page, label: string): Promise<void> {
  const pad = page.getByRole('img', { name: label });
  const box = await pad.boundingBox();
  if (!box) throw new Error('no signature pad');
  await page.mouse.move(box.x + 30, box.y + box.height * 0.6);
  await page.mouse.down();
  for (let i = 1; i <= 20; i += 1) await page.mouse.move(box.x + 30 + i * 12, box.y + box.height * (0.6 - 0.25 * Math.sin(i / 3)), { steps: 2 });
  await page.mouse.up();
}

/** Runs the whole flow; returns the enrollment code shown on the receipt. */
async function runFlow(page: Page, lang: Lang, patient: { given: string; family: string; dob: string }, shoot: (name: string) => Promise<void>, checkA11y: () => Promise<void>): Promise<string> {
  const w = words[lang];
  await page.getByRole('tab', { name: w.tab }).click();
  await shoot(`consent-1-patient-${lang}`);
  await page.getByRole('button', { name: w.newPatient }).click();
  // A date in the future is refused, in words.
  await page.getByLabel(w.given, { exact: true }).fill(patient.given);
  await page.getByLabel(w.family, { exact: true }).fill(patient.family);
  await page.getByLabel(w.dob, { exact: true }).fill('2999-01-01');
  await page.getByRole('button', { name: w.registerContinue }).click();
  await expect(page.getByRole('alert').first()).toBeVisible();
  await shoot(`consent-1b-patient-error-${lang}`);
  await page.getByLabel(w.dob, { exact: true }).fill(patient.dob);
  await page.getByRole('button', { name: w.registerContinue }).click();

  await page.getByLabel(w.note, { exact: true }).fill(lang === 'en' ? 'Driver’s licence' : 'Permis de conduire');
  await shoot(`consent-2-identity-${lang}`);
  await page.getByRole('button', { name: w.next }).click();

  await expect(page.getByRole('button', { name: w.acknowledge })).toBeVisible();
  await page.getByLabel(w.largeType).check();
  await shoot(`consent-3-read-large-${lang}`);
  await checkA11y();
  await page.getByLabel(w.largeType).uncheck();
  for (let i = 0; i < 16; i += 1) await page.getByRole('button', { name: w.acknowledge }).click();
  await expect(page.getByRole('button', { name: w.acknowledge })).toHaveCount(0);
  await shoot(`consent-3b-read-done-${lang}`);
  await page.getByRole('button', { name: w.next }).click();

  await page.getByRole('checkbox', { name: new RegExp(w.reminders) }).check();
  await page.getByLabel(w.excluded).fill(lang === 'en' ? 'Mental health' : 'Santé mentale');
  await page.getByRole('button', { name: w.addTopic }).click();
  // The clinic's rules refuse photos (the default), so that opt-in is not offered.
  await expect(page.getByRole('checkbox', { name: lang === 'en' ? /Photos and attachments/ : /Photos et pièces jointes/ })).toBeDisabled();
  await shoot(`consent-4-choices-${lang}`);
  await page.getByRole('button', { name: w.next }).click();

  await drawSignature(page, w.pad);
  await shoot(`consent-5-signature-${lang}`);
  await page.getByRole('button', { name: w.next }).click();

  await shoot(`consent-6-confirm-${lang}`);
  await checkA11y();
  await page.getByRole('button', { name: w.record }).click();
  await expect(page.getByRole('heading', { name: w.receiptTitle })).toBeVisible();
  const code = (await page.getByTestId('enrollment-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^([A-Z2-7]{4}-){17}[A-Z2-7]{4}$/);
  // The short code to type with the date of birth, and its spelling for a call.
  const short = (await page.getByTestId('short-code').textContent())?.trim() ?? '';
  expect(short).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
  await shoot(`consent-7-receipt-${lang}`);
  await page.getByRole('button', { name: lang === 'en' ? 'Read it out' : 'Le lire à voix haute' }).click();
  await expect(page.getByTestId('read-aloud').getByRole('listitem')).toHaveCount(4);
  await checkA11y();
  await shoot(`consent-7b-read-aloud-${lang}`);
  return code;
}

test('the front desk records a consent with a drawn signature and hands over the receipt', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(180_000);
  const setup = await joinClinicAs(app);
  mkdirSync(receiptsDir, { recursive: true });
  try {
    await page.goto(app.url);
    await expect(page.getByRole('tab', { name: 'Consent register' })).toBeVisible();
    const code = await runFlow(page, 'en', { given: 'Alex', family: 'Martin', dob: '1980-04-02' }, shoot, checkA11y);

    // The record, as main keeps it: every part acknowledged, the choices, the drawn signature.
    const found = await app.router.dispatch('patients:find', { query: 'Martin' }, { origin: app.origin });
    const patientId = found.ok ? (found.value as { patient: { id: string } }[])[0]?.patient.id : undefined;
    expect(patientId).toBeTruthy();
    const history = await app.router.dispatch('consent:history', { patientId }, { origin: app.origin });
    expect(history.ok).toBe(true);
    const records = (history.ok ? history.value : { records: [] }) as { records: { record: Record<string, unknown>; published: boolean }[] };
    expect(records.records).toHaveLength(1);
    const record = records.records[0]?.record as {
      scopes: string[];
      declined: string[];
      excludedTopics: string[];
      acknowledged: string[];
      signature: { kind: string; image?: string };
      identity: { method: string; note: string };
      recordedBy: { name: string };
      textVersion: string;
    };
    expect(records.records[0]?.published).toBe(true);
    expect(record.scopes).toEqual(['clinical', 'reminders']);
    expect(record.declined).toEqual(['newsletters', 'attachments']);
    expect(record.excludedTopics).toEqual(['Mental health']);
    expect(record.acknowledged).toHaveLength(16);
    expect(record.signature.kind).toBe('drawn');
    expect(record.signature.image?.startsWith('data:image/png;base64,')).toBe(true);
    expect(record.identity).toMatchObject({ method: 'photo-id', note: 'Driver’s licence' });
    expect(record.recordedBy.name).toBe('Sam Rivera');
    expect(record.textVersion).toMatch(/^p1-t1-en$/);

    // The PDF receipt, saved where the clerk chose, holds what the patient agreed to.
    app.dialogs.savePath = join(receiptsDir, 'receipt-en.pdf');
    await page.getByRole('button', { name: 'Save as PDF' }).click();
    await expect(page.getByText('Saved receipt-en.pdf.')).toBeVisible();
    const pdf = await getDocumentProxy(new Uint8Array(readFileSync(app.dialogs.savePath)));
    const { text } = await extractText(pdf, { mergePages: true });
    const flat = text.replace(/\s+/g, ' ');
    // Every value inserted reads as written: no placeholder, no empty slot.
    expect(flat).not.toMatch(/Not set|\bundefined\b|\bnull\b|: \.|\{\{/);
    expect(flat).toContain('+1 613 555 0142');
    for (const expected of ['Alex Martin', 'April 2, 1980', 'Lakeside Family Clinic', 'Appointment reminders Yes', 'General health newsletters No', 'Mental health', 'Sam Rivera', record.textVersion]) {
      expect(flat).toContain(expected);
    }
    // The code is printed six groups to a line.
    expect(flat.replace(/\s+/g, '')).toContain(code);
    expect(flat).toContain(setup.admin.clinic.client().fingerprint);

    // The code on the receipt works with the enrollment protocol: the patient's device redeems it.
    const phone = await setup.patientDevice(code);
    expect(phone.patientId).toBe(patientId);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('tab', { name: 'Consent register', selected: true })).toBeVisible();
  } finally {
    await setup.close();
  }
});

test('the consent flow in French', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(180_000);
  const setup = await joinClinicAs(app);
  try {
    await page.goto(app.url);
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('tab', { name: 'Registre des consentements' })).toBeVisible();
    const code = await runFlow(page, 'fr', { given: 'Léa', family: 'Tremblay', dob: '1992-11-17' }, shoot, checkA11y);
    const found = await app.router.dispatch('patients:find', { query: 'Tremblay' }, { origin: app.origin });
    const patientId = found.ok ? (found.value as { patient: { id: string } }[])[0]?.patient.id : undefined;
    const history = await app.router.dispatch('consent:history', { patientId }, { origin: app.origin });
    const record = (history.ok ? (history.value as { records: { record: { language: string; textVersion: string; excludedTopics: string[] } }[] }).records[0]?.record : null) ?? null;
    expect(record).toMatchObject({ language: 'fr', textVersion: 'p1-t1-fr', excludedTopics: ['Santé mentale'] });
    expect(code.length).toBeGreaterThan(20);
    mkdirSync(receiptsDir, { recursive: true });
    app.dialogs.savePath = join(receiptsDir, 'receipt-fr.pdf');
    await page.getByRole('button', { name: words.fr.savePdf }).click();
    await expect(page.getByText(/receipt-fr\.pdf/)).toBeVisible();
    const pdf = await getDocumentProxy(new Uint8Array(readFileSync(app.dialogs.savePath)));
    const flat = (await extractText(pdf, { mergePages: true })).text.replace(/\s+/g, ' ');
    expect(flat).toContain('Léa Tremblay');
    expect(flat).not.toMatch(/Not set|\bundefined\b|\bnull\b|: \.|\{\{/);
  } finally {
    await setup.close();
  }
});

test('no consent can start while the clinic’s details are missing: the front desk is told who must add them', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(120_000);
  const setup = await joinClinicAs(app, { withoutDetails: true });
  try {
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'New consent' }).click();
    const notice = page.getByTestId('clinic-incomplete');
    await expect(notice.getByRole('heading', { name: 'Consents cannot be recorded yet' })).toBeVisible();
    await expect(notice).toContainText('the clinic’s phone number');
    await expect(notice).toContainText('the nearest emergency department');
    await expect(notice).toContainText('IT administrator must add them');
    await expect(page.getByRole('button', { name: 'Register a new patient' })).toHaveCount(0);
    await shoot('consent-clinic-incomplete-en');
    await checkA11y();
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('heading', { name: 'Aucun consentement ne peut encore être enregistré' })).toBeVisible();
    await shoot('consent-clinic-incomplete-fr');
  } finally {
    await setup.close();
  }
});
