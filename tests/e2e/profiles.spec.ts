import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from '@playwright/test';

import { clinicDetails } from '../support/clinic-details';
import { expect, test } from './fixtures';

const strong = 'copper lantern orbit meadow 47';
const other = 'violet harbour seventeen kites';

async function createAccount(page: Page, name: string, passphrase: string) {
  await page.getByLabel('Name shown on this computer', { exact: true }).fill(name);
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Type the passphrase again', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Hello, ${name}` })).toBeVisible();
}

async function unlock(page: Page, passphrase: string) {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
}

test('first run: an account is created only with a strong passphrase, explained as it is typed', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  const form = page.getByRole('form', { name: 'Set up your account on this computer' });
  await expect(form).toBeVisible();
  await shoot('profile-create-empty-en');

  await page.getByLabel('Name shown on this computer', { exact: true }).fill('Léa');
  await page.getByLabel('Passphrase', { exact: true }).fill('password1');
  await expect(page.getByText('Strength: very weak')).toBeVisible();
  await page.getByLabel('Type the passphrase again', { exact: true }).fill('password1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('This passphrase does not meet the rules below yet.')).toBeVisible();
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeFocused();
  await shoot('profile-create-weak-en');

  await page.getByLabel('Passphrase', { exact: true }).fill(strong);
  await expect(page.getByText(/Strength: (strong|very strong)/)).toBeVisible();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('The two passphrases are not the same.')).toBeVisible();
  await page.getByLabel('Type the passphrase again', { exact: true }).fill(strong);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Léa' })).toBeVisible();
  await shoot('profile-home-en');

  // On disk: the display name the user chose to show, and nothing else readable.
  const [id] = readdirSync(join(app.dataDir, 'profiles'));
  const folder = join(app.dataDir, 'profiles', id ?? '');
  expect(JSON.parse(readFileSync(join(folder, 'profile.json'), 'utf8'))).toMatchObject({ displayName: 'Léa' });
  expect(readFileSync(join(folder, 'key.json'), 'utf8')).not.toContain(strong);
  expect(readFileSync(join(folder, 'data', 'profile.db')).subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
});

test('lock and unlock: wrong passphrases are refused and slowed down; the lock screen shows no account data', async ({
  page,
  app,
  shoot,
}) => {
  await page.goto(app.url);
  await createAccount(page, 'Léa', strong);
  await page.getByRole('button', { name: 'Lock now' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock Léa' })).toBeVisible();
  await expect(page.getByText('The app was locked.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Account: Léa' })).toHaveCount(0);
  await shoot('profile-locked-en');

  for (let attempt = 1; attempt <= 3; attempt++) {
    await unlock(page, `wrong guess number ${attempt}`);
    await expect(page.getByText('That passphrase is not right. Check that Caps Lock is off, then try again.')).toBeVisible();
  }
  await unlock(page, 'wrong guess number 4');
  await expect(page.getByText(/You can try again in \d+ s\./)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Unlock', exact: true })).toBeDisabled();
  await shoot('profile-throttled-en');

  // The delay survives a restart of the page (and is kept by main, on disk).
  const throttleFile = readdirSync(join(app.dataDir, 'profiles')).map((id) => join(app.dataDir, 'profiles', id, 'unlock-attempts.json'));
  expect(JSON.parse(readFileSync(throttleFile[0] ?? '', 'utf8'))).toMatchObject({ failures: 4 });
  const result = await page.evaluate(
    async ([pass]) => {
      const list = await window.clinic?.profiles.list({});
      const id = list && list.ok ? list.value[0]?.id : undefined;
      return window.clinic?.profiles.unlock({ profileId: id ?? '', passphrase: pass ?? '' });
    },
    [strong],
  );
  expect(result).toMatchObject({ ok: false, error: { code: 'throttled', retryAfterSeconds: expect.any(Number) } });
});

test('the app locks itself when the computer is idle, and drops what it showed', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Sam', strong);
  // No clinic yet, so no verified rules: the strictest setting holds, a minute.
  await expect(page.getByText(/locks after 1 min without activity/)).toBeVisible();
  await expect(page.getByTestId('applied-security')).toContainText('the strictest settings apply');
  app.idleSeconds = 59;
  await page.waitForTimeout(400);
  expect(app.session.status().state).toBe('unlocked');
  app.idleSeconds = 60;
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock Sam' })).toBeVisible();
  await expect(page.getByText('The app locked itself after a while without activity.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Account: Sam' })).toHaveCount(0);
  expect(app.session.status()).toMatchObject({ state: 'signed-out', lockReason: 'idle' });
  await shoot('profile-idle-locked-en');
  app.idleSeconds = 0;
  await unlock(page, strong);
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Sam' })).toBeVisible();
});

test('several accounts on one computer, each with its own passphrase', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Léa', strong);
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('button', { name: 'Another account', exact: true }).click();
  await page.getByRole('button', { name: 'Add another account on this computer' }).click();
  await createAccount(page, 'Front desk', other);
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('button', { name: 'Another account', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Who is using this computer?' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Léa/ })).toBeVisible();
  await expect(page.getByRole('button', { name: /Front desk/ })).toBeVisible();
  await shoot('profile-picker-en');

  await page.getByRole('button', { name: /Léa/ }).click();
  await unlock(page, other);
  await expect(page.getByText('That passphrase is not right.', { exact: false })).toBeVisible();
  await unlock(page, strong);
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Léa' })).toBeVisible();
  expect(readdirSync(join(app.dataDir, 'profiles')).filter((n) => !n.startsWith('.'))).toHaveLength(2);
});

test('changing the passphrase re-wraps the key; the old one stops working', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Léa', strong);
  const [id] = readdirSync(join(app.dataDir, 'profiles'));
  const dbFile = join(app.dataDir, 'profiles', id ?? '', 'data', 'profile.db');
  const before = readFileSync(dbFile);

  await page.getByRole('button', { name: 'Change passphrase' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change your passphrase' });
  await dialog.getByLabel('Current passphrase', { exact: true }).fill('not my passphrase at all');
  await dialog.getByLabel('New passphrase', { exact: true }).fill(other);
  await dialog.getByLabel('Type the passphrase again', { exact: true }).fill(other);
  await dialog.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(dialog.getByText('The current passphrase is not right.')).toBeVisible();
  await shoot('profile-change-passphrase-en');
  await dialog.getByLabel('Current passphrase', { exact: true }).fill(strong);
  await dialog.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(page.getByText('Passphrase changed. Use the new one from now on.')).toBeVisible();

  await page.getByRole('button', { name: 'Lock now' }).click();
  // Only the wrapping changed: the database file is the same bytes.
  expect(readFileSync(dbFile).equals(before)).toBe(true);
  await unlock(page, strong);
  await expect(page.getByText('That passphrase is not right.', { exact: false })).toBeVisible();
  await unlock(page, other);
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Léa' })).toBeVisible();
});

test('backup to a chosen file, then restore it as a new account', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Léa', strong);
  const backupFile = join(app.dataDir, '..', `${app.dataDir.split('/').pop()}-backup.cmbackup`);
  app.dialogs.savePath = backupFile;
  await page.getByRole('button', { name: 'Back up now…' }).click();
  await expect(page.getByText(/Backup saved: .*\.cmbackup/)).toBeVisible();
  expect(existsSync(backupFile)).toBe(true);
  expect(readFileSync(backupFile).subarray(0, 8).toString('latin1')).toBe('CMBACKUP');
  await shoot('profile-backup-done-en');

  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('button', { name: 'Another account', exact: true }).click();
  await page.getByRole('button', { name: 'Restore an account from a backup' }).click();
  app.dialogs.openPath = backupFile;
  await page.getByRole('button', { name: 'Choose a backup file…' }).click();
  await expect(page.getByLabel('Name shown on this computer', { exact: true })).toHaveValue('Léa');
  await page.getByLabel('Name shown on this computer', { exact: true }).fill('Léa (restored)');
  await page.getByLabel('Passphrase of the backup', { exact: true }).fill('a wrong passphrase here');
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(page.getByText('That passphrase does not open this backup.')).toBeVisible();
  await shoot('profile-restore-en');
  await page.getByLabel('Passphrase of the backup', { exact: true }).fill(strong);
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Léa (restored)' })).toBeVisible();
  expect(readdirSync(join(app.dataDir, 'profiles')).filter((n) => !n.startsWith('.'))).toHaveLength(2);

  // A damaged backup is refused with a clear message, and creates nothing.
  const bytes = readFileSync(backupFile);
  bytes[bytes.length - 50] = (bytes[bytes.length - 50] ?? 0) ^ 0xff;
  writeFileSync(backupFile, bytes);
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('button', { name: 'Another account', exact: true }).click();
  await page.getByRole('button', { name: 'Restore an account from a backup' }).click();
  await page.getByRole('button', { name: 'Choose a backup file…' }).click();
  await page.getByLabel('Passphrase of the backup', { exact: true }).fill(strong);
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'damaged' })).toBeVisible();
  expect(readdirSync(join(app.dataDir, 'profiles')).filter((n) => !n.startsWith('.'))).toHaveLength(2);
});

test('a damaged profile opens a recovery screen, never an empty profile', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await createAccount(page, 'Léa', strong);
  await page.getByRole('button', { name: 'Lock now' }).click();
  const [id] = readdirSync(join(app.dataDir, 'profiles'));
  const keyFile = join(app.dataDir, 'profiles', id ?? '', 'key.json');
  const text = readFileSync(keyFile, 'utf8');
  // Change the salt's first character (to one it is not), so the file is surely damaged.
  writeFileSync(keyFile, text.replace(/"salt": "(.)/, (_whole, first: string) => `"salt": "${first === 'A' ? 'B' : 'A'}`));
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Léa cannot be opened' })).toBeVisible();
  await expect(page.getByText('Nothing was deleted')).toBeVisible();
  await shoot('profile-damaged-en');
  await page.getByRole('button', { name: 'Restore from a backup' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Restore an account from a backup' })).toBeVisible();
  // The damaged files are kept for IT.
  expect(readFileSync(keyFile, 'utf8')).not.toBe(text);
  expect(existsSync(keyFile)).toBe(true);
});

test('“unlock with this computer” uses the keystore, and falls back to the passphrase when it changes', async ({
  page,
  app,
  shoot,
}) => {
  await page.goto(app.url);
  await createAccount(page, 'Léa', strong);
  const toggle = page.getByRole('switch', { name: 'Unlock with this computer' });
  // Until a clinic's rules allow it, the computer may not remember the account.
  await expect(toggle).toBeDisabled();
  await expect(page.getByText('Available once your clinic’s rules have reached this computer and allow it.')).toBeVisible();
  const call = async (channel: string, request: unknown) => {
    const result = await app.router.dispatch(channel, request, { origin: app.origin });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
    return result.value as { rules: { security: Record<string, unknown> } };
  };
  const { rules } = await call('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Family Clinic', yourName: 'Léa', timeZone: 'America/Toronto', details: clinicDetails });
  await call('clinic:update-rules', { rules: { ...rules, security: { ...rules.security, allowRememberDevice: true } } });
  await page.reload();
  const accountTab = page.getByRole('tab', { name: 'Account and computer' });
  await accountTab.click();
  await expect(page.getByTestId('applied-security')).toContainText('Set by your clinic');
  await expect(toggle).not.toBeChecked();
  await toggle.click();
  await expect(toggle).toBeChecked();
  if (await accountTab.isVisible()) await accountTab.click();
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('button', { name: 'Unlock with this computer' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Léa' })).toBeVisible();

  // The OS keystore is reset (new computer account, reinstalled system...).
  app.keystore.reset();
  if (await accountTab.isVisible()) await accountTab.click();
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('button', { name: 'Unlock with this computer' }).click();
  await expect(page.getByText(/can no longer unlock your account by itself/)).toBeVisible();
  await shoot('profile-keystore-changed-en');
  await unlock(page, strong);
  await expect(page.getByRole('heading', { level: 1, name: 'Hello, Léa' })).toBeVisible();
  await accountTab.click();
  await expect(page.getByRole('switch', { name: 'Unlock with this computer' })).not.toBeChecked();

  // Without a secure keystore the option cannot be turned on.
  app.keystore.setAvailable(false);
  if (await accountTab.isVisible()) await accountTab.click();
  await page.getByRole('button', { name: 'Lock now' }).click();
  await unlock(page, strong);
  await accountTab.click();
  await expect(page.getByRole('switch', { name: 'Unlock with this computer' })).toBeDisabled();
});

test('the account screens in French', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { level: 1, name: 'Créez votre compte sur cet ordinateur' })).toBeVisible();
  await page.getByLabel('Nom affiché sur cet ordinateur', { exact: true }).fill('Léa');
  await page.getByLabel('Phrase de passe', { exact: true }).fill('motdepasse');
  await shoot('profile-create-fr');
  await page.getByLabel('Phrase de passe', { exact: true }).fill(strong);
  await page.getByLabel('Retapez la phrase de passe', { exact: true }).fill(strong);
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bonjour, Léa' })).toBeVisible();
  await shoot('profile-home-fr');
  await page.getByRole('button', { name: 'Verrouiller' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Déverrouiller Léa' })).toBeVisible();
  await shoot('profile-locked-fr');
  await page.getByRole('button', { name: 'Un autre compte' }).click();
  await shoot('profile-picker-fr');
});
