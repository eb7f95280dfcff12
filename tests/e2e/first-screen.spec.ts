import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from './fixtures';

const savedSettings = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>;

test('the first screen shows real data from main and the readiness checks', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Set up your account on this computer' })).toBeVisible();

  const facts = page.getByTestId('about-facts');
  await expect(facts).toContainText('0.1.0');
  await expect(facts).toContainText('Test harness in a browser');
  await expect(facts).toContainText(`Node.js ${process.versions.node}`);

  // Every check ran for real in main: crypto, the encrypted database, the data folder.
  await expect(page.getByTestId('checks-summary')).toContainText('This computer works, but something needs attention.');
  for (const id of ['runtime', 'crypto', 'encrypted-storage', 'data-folder']) {
    await expect(page.locator(`[data-check="${id}"]`)).toHaveClass(/check--pass/);
  }
  await expect(page.locator('[data-check="shell-hardening"]')).toHaveClass(/check--warn/);
  await expect(page.locator('[data-check="data-folder"]')).toContainText(app.dataDir);
  await shoot('first-screen-en');

  await page.getByRole('button', { name: 'Run checks again' }).click();
  await expect(page.getByRole('button', { name: 'Run checks again' })).toBeEnabled();
});

test('language and theme are chosen in the header, saved by main, and kept after a reload', async ({ page, app, shoot }) => {
  await page.goto(app.url);
  await expect(page.getByTestId('checks-summary')).toBeVisible();

  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { level: 1, name: 'Créez votre compte sur cet ordinateur' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByTestId('checks-summary')).toContainText('un point demande votre attention');
  await shoot('first-screen-fr');

  await page.getByLabel('Apparence').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await shoot('first-screen-fr-dark');
  expect(savedSettings(app.dataDir)).toMatchObject({ language: 'fr', theme: 'dark' });

  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Créez votre compte sur cet ordinateur' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('naming the computer validates as the user types, saves, and can be cancelled', async ({ page, app, shoot, checkA11y }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'Name this computer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Name this computer' });
  await expect(dialog).toBeVisible();
  const field = dialog.getByLabel('Computer name');
  await expect(field).toBeFocused();

  await field.fill('x');
  await page.keyboard.press('Enter');
  await expect(dialog.getByText('Use at least 2 characters.')).toBeVisible();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await field.fill('<b>Desk</b>');
  await expect(dialog.getByText(/Start with a letter or a digit/)).toBeVisible();
  await checkA11y();
  await shoot('device-name-invalid-en');

  await field.fill('Front desk 2');
  await expect(field).not.toHaveAttribute('aria-invalid', 'true');
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status')).toContainText('Computer name saved.');
  await expect(page.getByTestId('device-label')).toHaveText('Front desk 2');
  expect(savedSettings(app.dataDir)).toMatchObject({ deviceLabel: 'Front desk 2' });
  await shoot('device-named-en');

  // Escape closes without saving, and focus returns to the button that opened the dialog.
  await page.getByRole('button', { name: 'Rename' }).click();
  await dialog.getByLabel('Computer name').fill('Something else');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Rename' })).toBeFocused();
  await expect(page.getByTestId('device-label')).toHaveText('Front desk 2');
});

test('the page reaches main only through the contract, and bad calls get typed errors', async ({ page, app }) => {
  await page.goto(app.url);
  await expect(page.getByTestId('checks-summary')).toBeVisible();
  const probe = await page.evaluate(async () => {
    const clinic = window.clinic as unknown as Record<string, Record<string, unknown>>;
    const bad = await (clinic.settings?.update as (r: unknown) => Promise<unknown>)({ deviceLabel: 42 });
    const extra = await (clinic.settings?.update as (r: unknown) => Promise<unknown>)({ theme: 'dark', admin: true });
    return {
      domains: Object.keys(clinic).sort(),
      frozen: Object.isFrozen(clinic),
      hasInvoke: 'invoke' in clinic || 'ipcRenderer' in clinic,
      bad,
      extra,
    };
  });
  expect(probe.domains).toEqual(['app', 'audit', 'clinic', 'consent', 'diagnostics', 'inbox', 'incidents', 'notices', 'patients', 'people', 'portal', 'profiles', 'session', 'settings', 'stepup', 'subscribe', 'team']);
  expect(probe.frozen).toBe(true);
  expect(probe.hasInvoke).toBe(false);
  expect(probe.bad).toMatchObject({ ok: false, error: { code: 'bad-request', fields: { deviceLabel: expect.any(String) } } });
  expect(probe.extra).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  // Nothing from the rejected payloads reached the log.
  expect(app.log.lines.join('\n')).not.toContain('admin');
});
