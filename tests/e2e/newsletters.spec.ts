// Reminders and newsletters at the front desk, in Chromium against the real router (ADR 18):
// an appointment reminder from a patient's page (its template's blanks must be filled), the
// patient's device gets it as a reminder; a newsletter to everyone who agreed, with the
// confirmation, the progress and the result counting who was not sent it and why.
import type { Page } from '@playwright/test';

import { instants } from '../support/clock';
import { deskPassphrase, joinClinicAs, recordConsent } from './clinic-setup';
import { expect, test } from './fixtures';
import type { Harness } from './harness';

test.setTimeout(120_000);
test.use({ clockAt: instants.weekdayOpen });

const call =
  (app: Harness) =>
  async <T,>(channel: string, payload: unknown = {}): Promise<T> => {
    const result = await app.router.dispatch(channel, payload, { origin: app.origin });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  };

async function open(page: Page, app: Harness, tabName: string) {
  await page.goto(app.url);
  const tab = page.getByRole('tab', { name: tabName });
  const passphrase = page.getByLabel('Passphrase', { exact: true });
  await expect(tab.or(passphrase)).toBeVisible();
  if (await passphrase.isVisible()) {
    await passphrase.fill(deskPassphrase);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  }
  await tab.click();
}

test('the front desk sends a reminder and a newsletter, only to patients who agreed', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app);
  try {
    const desk = call(app);
    const alex = await recordConsent(desk, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' }, ['clinical', 'reminders', 'newsletters']);
    const bea = await recordConsent(desk, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' }, ['clinical', 'newsletters']);
    const cam = await recordConsent(desk, { givenName: 'Cam', familyName: 'Ng', dateOfBirth: '1990-01-01' }, ['clinical']);
    const [alexPhone, beaPhone, camPhone] = [await setup.patientDevice(alex.code), await setup.patientDevice(bea.code), await setup.patientDevice(cam.code)];

    // A reminder from Alex's page; the template's blanks must be filled first.
    await open(page, app, 'Consent register');
    await page.getByRole('table', { name: /Patients/ }).getByRole('button', { name: 'Martin, Alex' }).click();
    await page.getByRole('button', { name: 'Send a reminder…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send an appointment reminder' });
    const text = dialog.getByLabel('Reminder');
    await expect(text).toHaveValue(/^Reminder from Lakeside Family Clinic: you have an appointment on \[day\] at \[time\]\. To change it, call/);
    await dialog.getByRole('button', { name: 'Send the reminder' }).click();
    await expect(dialog.getByText('Replace [day] and [time] with the appointment’s day and time.')).toBeVisible();
    await text.fill('Reminder from Lakeside Family Clinic: you have an appointment on Tuesday 8 December at 9:30. To change it, call 613-555-0142.');
    await shoot('newsletter-reminder-dialog-en');
    await checkA11y();
    await dialog.getByRole('button', { name: 'Send the reminder' }).click();
    await expect(page.getByText('Reminder sent to Alex Martin.')).toBeVisible();
    await expect.poll(async () => {
      await alexPhone.sync();
      return alexPhone.messages().filter((m) => m.scope === 'reminders').map((m) => m.body);
    }).toEqual(['Reminder from Lakeside Family Clinic: you have an appointment on Tuesday 8 December at 9:30. To change it, call 613-555-0142.']);
    // Béatrice did not agree to reminders: her page offers none.
    await page.getByRole('button', { name: /Back to the register|Back/ }).first().click();
    await page.getByRole('table', { name: /Patients/ }).getByRole('button', { name: 'Roy, Béatrice' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Béatrice Roy' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send a reminder…' })).toHaveCount(0);

    // The newsletter: two of the three agreed.
    await page.getByRole('tab', { name: 'Newsletters' }).click();
    await expect(page.getByTestId('newsletter-audience')).toHaveText('2 of 3 patients will get it.');
    await page.getByRole('button', { name: 'Send the newsletter…' }).click();
    await expect(page.getByText('Write the newsletter first.')).toBeVisible();
    await page.getByLabel('Newsletter', { exact: true }).fill('Flu shots are here: walk in any weekday morning from 8:30. No appointment needed.');
    await shoot('newsletter-compose-en');
    await checkA11y();
    await page.getByRole('button', { name: 'Send the newsletter…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Send this newsletter?' });
    await expect(confirm).toContainText('It goes to 2 patients now');
    await confirm.getByRole('button', { name: 'Send it' }).click();
    const result = page.getByTestId('newsletter-result').first();
    await expect(result).toContainText('Sent: 2', { timeout: 20_000 });
    await expect(result).toContainText('Not sent: 1');
    await expect(result).toContainText('1 did not agree to newsletters (or withdrew)');
    await shoot('newsletter-result-en');
    await checkA11y();
    for (const [phone, expected] of [[alexPhone, 1], [beaPhone, 1], [camPhone, 0]] as const) {
      await expect.poll(async () => {
        await phone.sync();
        return phone.messages().filter((m) => m.scope === 'newsletters').length;
      }).toBe(expected);
    }

    // The same screen in French.
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('heading', { level: 2, name: 'Infolettres', exact: true })).toBeVisible();
    await expect(page.getByTestId('newsletter-result').first()).toContainText('Envoyées : 2');
    await shoot('newsletter-result-fr');
    await checkA11y();
  } finally {
    await setup.close();
  }
});
