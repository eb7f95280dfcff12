// A new user's first steps: create an account, then set up a clinic whose server runs on
// this computer, or join one with an invite (a wrong code is explained, not accepted).
import type { Page } from '@playwright/test';

import { expect, test } from './fixtures';

const strong = 'copper lantern orbit meadow 47';

async function createAccount(page: Page, name: string) {
  await page.getByLabel('Name shown on this computer', { exact: true }).fill(name);
  await page.getByLabel('Passphrase', { exact: true }).fill(strong);
  await page.getByLabel('Type the passphrase again', { exact: true }).fill(strong);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Hello, ${name}` })).toBeVisible();
}

test('a new user sets up a clinic on this computer and lands in the IT administrator’s workspace', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Robin');
  await expect(page.getByRole('heading', { name: 'Connect this account to your clinic' })).toBeVisible();
  await shoot('clinic-entry-en');
  await page.getByRole('button', { name: 'Set up a clinic' }).click();
  await page.getByRole('button', { name: 'Create the clinic' }).click();
  await expect(page.getByText('This is too short.')).toBeVisible();
  // The details patients will read are asked for here, each checked with a plain message.
  await expect(page.getByText('Fill in this field.').first()).toBeVisible();
  await page.getByLabel('Clinic name', { exact: true }).fill('Lakeside Family Clinic');
  await page.getByLabel('Clinic phone number', { exact: true }).fill('call us');
  await page.getByLabel('Nearest emergency department', { exact: true }).fill('Lakeside General Hospital, 200 Shore Road');
  await page.getByLabel('Closes at', { exact: true }).fill('07:00');
  await page.getByRole('button', { name: 'Create the clinic' }).click();
  await expect(page.getByText('Use digits, spaces, + ( ) - and . only.')).toBeVisible();
  await expect(page.getByText('The closing time must come after the opening time.')).toBeVisible();
  await page.getByLabel('Clinic phone number', { exact: true }).fill('613-555-0142');
  await page.getByLabel('Closes at', { exact: true }).fill('17:30');
  await shoot('clinic-set-up-en');
  await page.getByRole('button', { name: 'Create the clinic' }).click();
  await expect(page.getByRole('tab', { name: 'Consent register', selected: true })).toBeVisible();
  await expect(page.getByText('IT administrator')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Clinic rules' })).toBeVisible();
  await shoot('clinic-workspace-it-en');
  const status = await app.router.dispatch('clinic:status', {}, { origin: app.origin });
  expect(status.ok && status.value).toMatchObject({
    state: 'member',
    role: 'it-admin',
    embeddedRelay: true,
    holdsRoot: true,
    rules: { phone: '613-555-0142', emergency: { number: '911', nearestEmergencyDepartment: 'Lakeside General Hospital, 200 Shore Road' }, businessHours: { monday: [{ opens: '08:30', closes: '17:30' }], saturday: [] } },
  });
});

test('joining with a mistyped invite code says what is wrong and joins nothing', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Dr Lee');
  await page.getByRole('button', { name: 'Join with an invite' }).click();
  await page.getByLabel('Clinic server address', { exact: true }).fill('not a url');
  await page.getByLabel('Invite code', { exact: true }).fill('ABCD-EFGH-IJKL-MNOP-QRST-UVWX');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByText('Enter an address that starts with https:// (or http:// on this computer).')).toBeVisible();
  await page.getByLabel('Clinic server address', { exact: true }).fill('http://127.0.0.1:9');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('This is not a complete code. Type the 16-character code (four groups of four), or the full code.');
  await shoot('clinic-join-error-en');
  const status = await app.router.dispatch('clinic:status', {}, { origin: app.origin });
  expect(status.ok && status.value).toEqual({ state: 'none', localServer: null });
});
