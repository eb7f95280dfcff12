// The clinic's quick replies in the clinician's composer, by keyboard, in English and French:
// `/` opens the list, typing filters it, arrows choose, Enter puts the reply in the message
// with the patient's first name, the clinic's phone and hours filled in; the clinician edits
// and sends. A placeholder left in the text blocks the send with a clear message.
import type { HeadlessPatient } from '../../tools/headless';
import { clinicDetails } from '../support/clinic-details';
import { instants } from '../support/clock';
import { type ClinicSetup, type Person, joinClinicAs, recordConsent } from './clinic-setup';
import { expect, test } from './fixtures';

test.setTimeout(120_000);
test.use({ clockAt: instants.weekdayOpen });

async function enrolledPatient(setup: ClinicSetup, person: Person): Promise<{ id: string; device: HeadlessPatient }> {
  const { patientId, code } = await recordConsent(setup.admin.call, person);
  return { id: patientId, device: await setup.patientDevice(code) };
}

test('the clinician answers with a quick reply, by keyboard, in English and French', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  try {
    const alex = await enrolledPatient(setup, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    await alex.device.send('My rash is spreading, should I worry?');
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Conversations' }).click();
    await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option', { name: /Alex Martin/ }).click();

    const box = page.getByLabel('Message to Alex Martin');
    await box.focus();
    await page.keyboard.type('/');
    const list = page.getByRole('listbox', { name: 'Quick replies' });
    await expect(list.getByRole('option')).toHaveCount(3);
    await expect(list.getByRole('option').first()).toHaveAttribute('aria-selected', 'true');
    await shoot('quick-reply-list-en');
    await checkA11y();

    // Typing filters; Escape closes and leaves the text; / again opens it.
    await page.keyboard.type('call');
    await expect(list.getByRole('option')).toHaveCount(1);
    await page.keyboard.press('Escape');
    await expect(list).toBeHidden();
    await expect(box).toHaveValue('/call');
    await box.fill('');
    await page.keyboard.type('/');
    await page.keyboard.press('ArrowDown');
    await expect(list.getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Enter');
    await expect(list).toBeHidden();
    await expect(box).toHaveValue('Hello Alex, could you call us at +1 613 555 0142? It will be quicker to sort this out together by phone. The clinic takes calls now.');
    await page.keyboard.type(' Thanks!');
    await shoot('quick-reply-filled-en');
    await page.keyboard.press('Control+Enter');
    await expect(box).toHaveValue('');
    await expect(page.getByText('The clinic takes calls now. Thanks!')).toBeVisible();

    // A placeholder left in the text is never sent as braces.
    await box.fill('Hello {firstName}, see you soon.');
    await page.keyboard.press('Control+Enter');
    await expect(page.getByText('Replace {firstName} with the words to send')).toBeVisible();
    await expect(box).toHaveValue('Hello {firstName}, see you soon.');
    await box.fill('');

    // The same in French, from the button.
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('button', { name: 'Réponses rapides' }).click();
    const liste = page.getByRole('listbox', { name: 'Réponses rapides' });
    await expect(liste.getByRole('option')).toHaveCount(3);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const boite = page.getByLabel('Message à Alex Martin');
    await expect(boite).toHaveValue(/^Bonjour Alex, un rappel sur cette messagerie : nous répondons dans un délai de 16 heures ouvrables/);
    await expect(boite).toHaveValue(/composez le 911/);
    await expect(boite).toHaveValue(/appelez-nous au \+1 613 555 0142\.$/);
    await shoot('quick-reply-fr');
    await checkA11y();
  } finally {
    await setup.close();
  }
});

test('the IT admin edits the quick replies on the rules screen; an unknown placeholder is refused', async ({ page, app, shoot, checkA11y }) => {
  const call = async <T,>(channel: string, request: unknown = {}): Promise<T> => {
    const result = await app.router.dispatch(channel, request, { origin: app.origin });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
    return result.value as T;
  };
  await call('profiles:create', { displayName: 'Robin Admin', passphrase: 'copper lantern orbit meadow 47' });
  await call('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Family Clinic', yourName: 'Robin Admin', timeZone: 'America/Toronto', details: clinicDetails });
  await page.goto(app.url);
  await page.getByRole('tab', { name: 'Clinic rules' }).click();
  const group = page.getByRole('group', { name: 'Quick replies' });
  await expect(group.locator('summary', { hasText: 'Please call the clinic' })).toBeVisible();
  await group.getByRole('button', { name: 'Add a quick reply' }).click();
  await group.getByLabel('Title in English').last().fill('Results are in');
  await group.getByLabel('Text in English').last().fill('Dear {fullName}, your results are in.');
  await group.getByLabel('Title in French').last().fill('Résultats reçus');
  await group.getByLabel('Text in French').last().fill('Bonjour {firstName}, vos résultats sont arrivés.');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(group.getByText('{fullName} is not filled in by the app.', { exact: false })).toBeVisible();
  await shoot('quick-reply-rules-error-en');
  await group.getByLabel('Text in English').last().fill('Hello {firstName}, your results are in. Please call {clinicPhone}.');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(page.getByText('Rules saved; version 2.')).toBeVisible();
  await checkA11y();
  const { rules } = await call<{ rules: { quickReplies: { id: string; en: { title: string } }[] } }>('clinic:status');
  expect(rules.quickReplies.map((r) => r.en.title)).toEqual(['Needs a visit', 'Please call the clinic', 'What messaging is for', 'Results are in']);
});
