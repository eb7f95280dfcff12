// The consent register, driven as the front desk: find a patient, read the history, withdraw
// consent through the dialog, and check that the clinician is stopped at once. The clinic,
// the patients and their consents are set up through main's router, not through the UI.
import type { Page } from '@playwright/test';

import { type ClinicSetup, deskPassphrase, joinClinicAs } from './clinic-setup';
import { expect, test } from './fixtures';
import type { Harness } from './harness';

test.setTimeout(120_000);

async function dispatch<T>(app: Harness, channel: string, payload: unknown): Promise<T> {
  const result = await app.router.dispatch(channel, payload, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
  return result.value as T;
}

type Template = { document: { version: string; sections: { id: string }[] }; textHash: string };
type Receipt = { record: { recordId: string }; enrollment: { code: string } | null };

/** A patient with a signed consent (care messages and reminders), enrolled on a phone, who got one message. */
async function consentingPatient(app: Harness, setup: ClinicSetup, person: { givenName: string; familyName: string; dateOfBirth: string }): Promise<string> {
  const patient = await dispatch<{ id: string }>(app, 'patients:register', person);
  const { document, textHash } = await dispatch<Template>(app, 'consent:template', { language: 'en' });
  const receipt = await dispatch<Receipt>(app, 'consent:record', {
    patientId: patient.id,
    language: 'en',
    textVersion: document.version,
    textHash,
    acknowledged: document.sections.map((s) => s.id),
    identityMethod: 'photo-id',
    identityNote: 'Driver’s licence',
    choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: scope === 'clinical' || scope === 'reminders' })),
    excludedTopics: [],
    signature: { kind: 'typed', name: `${person.givenName} ${person.familyName}` },
    decisionMaker: null,
  });
  expect(receipt.enrollment?.code).toBeTruthy();
  await setup.patientDevice(receipt.enrollment?.code ?? '');
  await setup.clinician.client.verifiedDirectory(true);
  expect((await setup.clinician.client.send({ patientId: patient.id, body: 'Your prescription is ready.' })).state).toBe('sent');
  return patient.id;
}

/** The page starts unlocked (the account was just created) or on the unlock screen. */
async function openRegister(page: Page, app: Harness) {
  await page.goto(app.url);
  const tab = page.getByRole('tab', { name: 'Consent register' });
  const passphrase = page.getByLabel('Passphrase', { exact: true });
  await expect(tab.or(passphrase)).toBeVisible();
  if (await passphrase.isVisible()) {
    await passphrase.fill(deskPassphrase);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  }
  await tab.click();
  await expect(page.getByRole('heading', { level: 2, name: 'Consent register' })).toBeVisible();
}

test('the front desk withdraws a consent from the register, and the clinician is stopped at once', async ({ page, app, shoot }) => {
  const setup = await joinClinicAs(app);
  try {
    const alex = await consentingPatient(app, setup, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const camille = await consentingPatient(app, setup, { givenName: 'Camille', familyName: 'Roy', dateOfBirth: '1992-11-15' });
    await dispatch(app, 'patients:register', { givenName: 'Jo', familyName: 'Ng', dateOfBirth: '1975-09-30' });

    await openRegister(page, app);
    const table = page.getByRole('table', { name: /Patients/ });
    await expect(table.getByRole('row')).toHaveCount(4);
    await expect(table.getByRole('row', { name: /Martin, Alex/ })).toContainText('Active');
    await expect(table.getByRole('row', { name: /Ng, Jo/ })).toContainText('No consent');
    await shoot('register-list-en');

    // Search: a name that matches nobody, then the patient.
    const search = page.getByLabel('Search by name or date of birth');
    await search.fill('Zzyzx');
    await expect(page.getByText('No patient matches')).toBeVisible();
    await search.fill('mart');
    await expect(table.getByRole('row')).toHaveCount(2);
    await table.getByRole('button', { name: 'Martin, Alex' }).click();

    const heading = page.getByRole('heading', { level: 2, name: 'Alex Martin' });
    await expect(heading).toBeFocused();
    const summary = page.getByRole('region', { name: 'Alex Martin' });
    await expect(summary).toContainText('Messages about your care, Appointment reminders');
    const history = page.getByRole('region', { name: 'History' });
    await expect(history.getByRole('listitem')).toHaveCount(1);
    await expect(history.getByRole('listitem').first()).toContainText('Consent given');
    await expect(history.getByRole('listitem').first()).toContainText('Sam Rivera');
    await shoot('register-detail-en');

    // Withdraw, through the confirmation dialog; Escape closes it first without a change.
    await summary.getByRole('button', { name: 'Withdraw consent' }).click();
    const dialog = page.getByRole('dialog', { name: 'Withdraw consent' });
    await expect(dialog).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await summary.getByRole('button', { name: 'Withdraw consent' }).click();
    await expect(dialog).toContainText('can no longer write to the clinic or receive messages');
    await expect(dialog).toContainText('stay in the clinical record');
    await dialog.getByLabel('Reason (optional)').fill('Prefers phone calls');
    await shoot('register-withdraw-dialog-en');
    await dialog.getByRole('button', { name: 'Withdraw consent' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText('Consent withdrawn. Nobody at the clinic can write to this patient any more.')).toBeVisible();
    // The withdraw button is gone with the consent: the focus goes back to the patient's name.
    await expect(heading).toBeFocused();
    await page.getByRole('button', { name: 'Dismiss notification' }).click();
    await expect(summary.getByRole('definition').first()).toHaveText('Withdrawn');
    await expect(history.getByRole('listitem')).toHaveCount(2);
    await expect(history.getByRole('listitem').first()).toContainText('Consent withdrawn');
    await expect(history.getByRole('listitem').first()).toContainText('Prefers phone calls');
    await expect(summary.getByRole('button', { name: 'New consent for this patient' })).toBeVisible();
    await expect(summary.getByRole('button', { name: 'Withdraw consent' })).toHaveCount(0);
    await shoot('register-withdrawn-en');

    await setup.clinician.client.verifiedDirectory(true);
    await expect(setup.clinician.client.send({ patientId: alex, body: 'One more thing' })).rejects.toMatchObject({ code: 'no-consent' });

    // Back to the register: the search is kept and the focus returns to the patient.
    await page.getByRole('button', { name: 'Back to the register' }).click();
    await expect(table.getByRole('button', { name: 'Martin, Alex' })).toBeFocused();
    await expect(table.getByRole('row', { name: /Martin, Alex/ })).toContainText('Withdrawn');

    // The same in French.
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('heading', { level: 2, name: 'Registre des consentements' })).toBeVisible();
    const recherche = page.getByLabel('Chercher par nom ou date de naissance');
    await recherche.fill('');
    await expect(table.getByRole('row')).toHaveCount(4);
    await shoot('register-list-fr');
    await recherche.fill('Roy');
    await expect(table.getByRole('row')).toHaveCount(2);
    await table.getByRole('button', { name: 'Roy, Camille' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Camille Roy' })).toBeFocused();
    const resume = page.getByRole('region', { name: 'Camille Roy' });
    const historique = page.getByRole('region', { name: 'Historique' });
    await expect(historique.getByRole('listitem').first()).toContainText('Consentement donné');
    await shoot('register-detail-fr');
    await resume.getByRole('button', { name: 'Retirer le consentement' }).click();
    const fenetre = page.getByRole('dialog', { name: 'Retirer le consentement' });
    await fenetre.getByLabel('Motif (facultatif)').fill('Préfère le téléphone');
    await shoot('register-withdraw-dialog-fr');
    await fenetre.getByRole('button', { name: 'Retirer le consentement' }).click();
    await expect(fenetre).toBeHidden();
    await expect(resume.getByRole('definition').first()).toHaveText('Retiré');
    await expect(historique.getByRole('listitem').first()).toContainText('Consentement retiré');
    await expect(historique.getByRole('listitem').first()).toContainText('Préfère le téléphone');
    await expect(page.getByText('Consentement retiré. Personne à la clinique ne peut plus écrire à ce patient.')).toBeVisible();
    await shoot('register-withdrawn-fr');

    await setup.clinician.client.verifiedDirectory(true);
    await expect(setup.clinician.client.send({ patientId: camille, body: 'Une dernière chose' })).rejects.toMatchObject({ code: 'no-consent' });
  } finally {
    await setup.close();
  }
});

test('changes from a patient’s page: choices, renewal and a new identity check, each a new record', async ({ page, app, shoot }) => {
  const setup = await joinClinicAs(app);
  try {
    await openRegister(page, app);
    await expect(page.getByText('No patients yet')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Record the first consent' })).toBeVisible();
    await shoot('register-empty-en');

    const patient = await dispatch<{ id: string }>(app, 'patients:register', { givenName: 'Léo', familyName: 'Tremblay', dateOfBirth: '2001-06-09' });
    const { document, textHash } = await dispatch<Template>(app, 'consent:template', { language: 'en' });
    await dispatch<Receipt>(app, 'consent:record', {
      patientId: patient.id,
      language: 'en',
      textVersion: document.version,
      textHash,
      acknowledged: document.sections.map((s) => s.id),
      identityMethod: 'health-card',
      identityNote: '',
      choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: scope === 'clinical' })),
      excludedTopics: [],
      signature: { kind: 'typed', name: 'Léo Tremblay' },
      decisionMaker: null,
    });

    await page.getByLabel('Search by name or date of birth').fill('2001-06-09');
    const table = page.getByRole('table', { name: /Patients/ });
    await expect(table.getByRole('row', { name: /Tremblay, Léo/ })).toContainText('Waiting for the patient to enroll');
    await table.getByRole('button', { name: 'Tremblay, Léo' }).click();
    const summary = page.getByRole('region', { name: 'Léo Tremblay' });
    const history = page.getByRole('region', { name: 'History' });

    // Choices: none ticked is refused in the dialog; then one more choice.
    await summary.getByRole('button', { name: 'Change choices' }).click();
    const change = page.getByRole('dialog', { name: 'Change the patient’s choices' });
    await expect(change.getByRole('checkbox', { name: 'Messages about your care' })).toBeChecked();
    await change.getByRole('checkbox', { name: 'Messages about your care' }).uncheck();
    await change.getByRole('button', { name: 'Save the choices' }).click();
    await expect(change.getByText('Tick at least one choice.', { exact: false })).toBeVisible();
    await shoot('register-change-dialog-en');
    await change.getByRole('checkbox', { name: 'Messages about your care' }).check();
    await change.getByRole('checkbox', { name: 'Appointment reminders' }).check();
    await change.getByRole('button', { name: 'Save the choices' }).click();
    await expect(change).toBeHidden();
    await expect(history.getByRole('listitem').first()).toContainText('Choices changed');
    await expect(summary).toContainText('Messages about your care, Appointment reminders');

    // Renewal until a date next year.
    const next = new Date();
    next.setFullYear(next.getFullYear() + 1);
    const iso = `${next.getFullYear()}-${String(next.getMonth() + 1).padStart(2, '0')}-${String(next.getDate()).padStart(2, '0')}`;
    await summary.getByRole('button', { name: 'Renew' }).click();
    const renew = page.getByRole('dialog', { name: 'Renew consent' });
    await renew.getByLabel('New end date').fill(iso);
    await renew.getByRole('button', { name: 'Renew consent' }).click();
    await expect(renew).toBeHidden();
    await expect(history.getByRole('listitem').first()).toContainText('Consent renewed');
    await expect(summary.getByText('No end date')).toHaveCount(0);

    // A new identity check.
    await summary.getByRole('button', { name: 'Check identity again' }).click();
    const reverify = page.getByRole('dialog', { name: 'Check identity again' });
    await reverify.getByLabel('How identity was checked').selectOption('known-patient');
    await reverify.getByRole('button', { name: 'Record the check' }).click();
    await expect(reverify).toBeHidden();
    await expect(history.getByRole('listitem').first()).toContainText('Identity checked again');
    await expect(history.getByRole('listitem').first()).toContainText('Known in person to the clinic staff');
    await expect(history.getByRole('listitem')).toHaveCount(4);
    await shoot('register-changes-en');
  } finally {
    await setup.close();
  }
});

test('the front desk issues a new code for a patient whose code was lost or refused', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app);
  try {
    const patient = await dispatch<{ id: string }>(app, 'patients:register', { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const { document, textHash } = await dispatch<Template>(app, 'consent:template', { language: 'en' });
    const first = await dispatch<{ enrollment: { shortCode: string } }>(app, 'consent:record', {
      patientId: patient.id,
      language: 'en',
      textVersion: document.version,
      textHash,
      acknowledged: document.sections.map((s) => s.id),
      identityMethod: 'photo-id',
      identityNote: '',
      choices: ['clinical', 'reminders', 'newsletters', 'attachments'].map((scope) => ({ scope, granted: scope === 'clinical' })),
      excludedTopics: [],
      signature: { kind: 'typed', name: 'Alex Martin' },
      decisionMaker: null,
    });
    await openRegister(page, app);
    await page.getByRole('table', { name: /Patients/ }).getByRole('button', { name: 'Martin, Alex' }).click();
    await page.getByRole('button', { name: 'Issue a new code' }).click();
    const dialog = page.getByRole('dialog', { name: 'Issue a new enrollment code?' });
    await expect(dialog).toContainText('short code stopped working after too many wrong tries');
    await shoot('register-new-code-dialog-en');
    await checkA11y();
    await dialog.getByRole('button', { name: 'Issue the new code' }).click();
    const shown = page.getByTestId('short-code');
    await expect(shown).toBeVisible();
    await expect(shown).not.toHaveText(first.enrollment.shortCode);
    await expect(page.getByText('Enrollment code issued.')).toBeVisible();
  } finally {
    await setup.close();
  }
});
