// The care team in the clinician's inbox, in Chromium against the real router: "Take it",
// the "Assigned to me" / "Unassigned" / "Everyone's" filters, a colleague's assignment arriving
// from another computer, "handled another way" with its reason shown in the thread, and the
// absence with a covering colleague, by keyboard where it matters, in English and French.
import type { HeadlessPatient } from '../../tools/headless';
import { instants } from '../support/clock';
import { type ClinicSetup, type Person, joinClinicAs, recordConsent } from './clinic-setup';
import { expect, test } from './fixtures';

test.setTimeout(120_000);
test.use({ clockAt: instants.weekdayOpen });

async function enrolledPatient(setup: ClinicSetup, person: Person): Promise<{ id: string; device: HeadlessPatient }> {
  const { patientId, code } = await recordConsent(setup.admin.call, person);
  return { id: patientId, device: await setup.patientDevice(code) };
}

test('a clinician takes a conversation, sees a colleague’s, stops a clock another way and hands over while away', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  try {
    const alex = await enrolledPatient(setup, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const bea = await enrolledPatient(setup, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' });
    await alex.device.send('My rash is spreading, should I worry?');
    await bea.device.send('Are my blood test results in?');
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Conversations' }).click();
    const list = page.getByRole('listbox', { name: 'Conversations' });
    const whose = page.getByRole('group', { name: 'Whose conversations' });
    await expect(whose.getByRole('button', { name: 'Unassigned (2)' })).toBeVisible();

    // Take it: the row says it is yours, and "Assigned to me" lists it alone.
    await list.getByRole('option', { name: /Alex Martin/ }).click();
    await page.getByRole('button', { name: 'Take it' }).click();
    await expect(page.getByText('Assigned to Dr Sam Rivera.')).toBeVisible();
    await expect(list.getByRole('option', { name: /Alex Martin/ }).getByText('Yours')).toBeVisible();
    await expect(page.getByRole('listitem').filter({ hasText: 'Dr Sam Rivera took this conversation' })).toBeVisible();
    await expect(page.getByLabel('Assigned to').locator('option:checked')).toHaveText('Dr Sam Rivera (you)');
    await shoot('assign-taken-en');
    await checkA11y();

    // A colleague on another computer takes Béatrice's conversation: it shows as theirs here.
    const lee = setup.clinician.client;
    await lee.sync();
    await lee.team.publish({ v: 1, kind: 'assign', conversationId: bea.id, to: lee.deviceId });
    await expect(list.getByRole('option', { name: /Béatrice Roy/ }).getByText('With Dr Lee')).toBeVisible({ timeout: 15_000 });
    await whose.getByRole('button', { name: 'Assigned to me (1)' }).click();
    await expect(list.getByRole('option')).toHaveCount(1);
    await shoot('assign-filter-mine-en');
    await whose.getByRole('button', { name: 'Unassigned (0)' }).click();
    await expect(page.getByText('Every conversation is assigned')).toBeVisible();
    await whose.getByRole('button', { name: 'Everyone’s' }).click();
    await expect(list.getByRole('option')).toHaveCount(2);

    // Béatrice asks about test results, which the clinic handles in person: the composer suggests saying so.
    await list.getByRole('option', { name: /Béatrice Roy/ }).click();
    const suggestion = page.getByTestId('limits-suggestion');
    await expect(suggestion).toContainText('“Test results that need an examination”');
    await shoot('quick-reply-suggested-en');
    await suggestion.getByRole('button', { name: 'Use “Needs a visit”' }).click();
    await expect(page.getByLabel('Message to Béatrice Roy')).toHaveValue(/^Hello Béatrice, /);
    await expect(suggestion).toBeHidden();
    await page.getByLabel('Message to Béatrice Roy').fill('');
    await suggestion.getByRole('button', { name: 'Not now' }).click();
    await expect(suggestion).toBeHidden();

    // Alex was phoned: the clock stops with the reason, in the thread, by keyboard.
    await list.getByRole('option', { name: /Alex Martin/ }).click();
    await expect(page.getByTestId('limits-suggestion')).toBeHidden();
    await page.getByRole('button', { name: 'Handled another way…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Handled another way' });
    await dialog.getByLabel('Another way').check();
    await dialog.getByRole('button', { name: 'Stop the clock' }).click();
    await expect(dialog.getByText('Say in a few words how it was handled.')).toBeVisible();
    await dialog.getByLabel('We phoned the patient').check();
    await dialog.getByLabel('Note for the care team').fill('Called at 10:05: it is eczema, cream prescribed.');
    await shoot('assign-handled-dialog-en');
    await dialog.getByRole('button', { name: 'Stop the clock' }).focus();
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    const mark = page.getByRole('listitem').filter({ hasText: 'Dr Sam Rivera handled it another way: We phoned the patient' });
    await expect(mark).toBeVisible();
    await expect(mark.getByText('Called at 10:05: it is eczema, cream prescribed.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Handled another way…' })).toBeHidden();
    await shoot('assign-handled-en');
    await checkA11y();

    // Away until next Wednesday, Dr Lee covers.
    await page.getByRole('button', { name: 'Away…' }).click();
    const away = page.getByRole('dialog', { name: 'Mark yourself away' });
    await away.getByRole('button', { name: 'Mark me away' }).click();
    await expect(away.getByText('Choose the day you are back.')).toBeVisible();
    await away.getByLabel('Back on').fill('2026-12-09');
    await away.getByRole('button', { name: 'Mark me away' }).click();
    await expect(away.getByText('Choose the colleague who covers while you are away.')).toBeVisible();
    await away.getByLabel('Covered by').selectOption({ label: 'Dr Lee' });
    await shoot('assign-away-dialog-en');
    await away.getByRole('button', { name: 'Mark me away' }).click();
    await expect(away).toBeHidden();
    await expect(page.getByTestId('away-status')).toHaveText('Away until Wednesday, December 9, Dr Lee covers');
    await expect(list.getByRole('option', { name: /Alex Martin/ }).getByText('Dr Lee covers')).toBeVisible();
    await shoot('assign-away-en');
    await checkA11y();

    // The same in French.
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('group', { name: 'Conversations de qui' })).toBeVisible();
    await expect(page.getByLabel('Confiée à')).toBeVisible();
    await expect(page.getByTestId('away-status')).toContainText('Absent jusqu’au');
    await shoot('assign-fr');
    await checkA11y();
  } finally {
    await setup.close();
  }
});
