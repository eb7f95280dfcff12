// The IT admin who holds the clinic root invites a clinician in the real renderer against the
// real main services; a headless device redeems the code, is approved through the screen,
// joins, and is then removed: it leaves the list and the clinic refuses it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type HeadlessDevice, openDevice } from '../../tools/headless';
import { expect, test } from './fixtures';
import type { Harness } from './harness';

type People = { devices: { deviceId: string; self: boolean }[]; pending: { deviceId: string; displayName: string }[]; holdsRoot: boolean };

async function dispatch<T>(app: Harness, channel: string, request: unknown = {}): Promise<T> {
  const result = await app.router.dispatch(channel, request, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
  return result.value as T;
}

test('the IT admin invites, approves and removes a computer', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(120_000);
  await dispatch(app, 'profiles:create', { displayName: 'Robin Admin', passphrase: 'copper lantern orbit meadow 47' });
  await dispatch(app, 'clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Family Clinic', yourName: 'Robin Admin', timeZone: 'America/Toronto' });

  const dir = mkdtempSync(join(tmpdir(), 'clinic-people-'));
  let device: HeadlessDevice | null = null;
  try {
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'People and computers' }).click();
    await expect(page.getByRole('heading', { name: 'People and computers' })).toBeVisible();
    await expect(page.getByText('No computers are waiting.')).toBeVisible();
    await expect(page.getByText('This computer', { exact: true })).toBeVisible();

    // A missing name is refused before anything is sent.
    await page.getByRole('button', { name: 'Create invite' }).click();
    await expect(page.getByText('Enter the person’s name.')).toBeVisible();
    await expect(page.getByLabel('Name', { exact: true })).toBeFocused();

    await page.getByLabel('Name', { exact: true }).fill('Dr Lee');
    await page.getByLabel('Role').selectOption({ label: 'Clinician' });
    await expect(page.getByLabel('Valid for (days)')).toHaveValue('7');
    await page.getByRole('button', { name: 'Create invite' }).click();
    await expect(page.getByRole('heading', { name: 'Invite for Dr Lee (Clinician)' })).toBeFocused();
    await expect(page.getByText('The code works only once.', { exact: false })).toBeVisible();
    // The short code to read out or type; the full one waits under Details.
    const code = (await page.getByTestId('invite-short-code').textContent())?.trim() ?? '';
    const relayUrl = (await page.getByTestId('invite-relay').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    expect(relayUrl).not.toBe('');
    await shoot('people-invite-en');
    await checkA11y();

    // The person's computer uses the short invite; it waits for approval.
    device = await openDevice(dir, 'dr-lee');
    await device.client.redeemInvite({ relayUrl, code });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const pendingTable = page.getByRole('table', { name: /Computers waiting for approval/ });
    await expect(pendingTable.getByRole('rowheader', { name: 'Dr Lee' })).toBeVisible();
    await expect(pendingTable.getByRole('cell', { name: 'Clinician' })).toBeVisible();
    await expect(page.getByText('compare the clinic fingerprint', { exact: false })).toBeVisible();
    const { pending } = await dispatch<People>(app, 'people:list');
    const deviceId = pending[0]?.deviceId ?? '';
    expect(pending.map((p) => p.displayName)).toEqual(['Dr Lee']);
    await shoot('people-pending-en');
    await checkA11y();

    await page.getByRole('button', { name: 'Approve all waiting computers' }).click();
    await expect(page.getByText('Computers approved: 1.')).toBeVisible();
    await expect(page.getByText('No computers are waiting.')).toBeVisible();
    const row = page.locator(`tr[data-device-id="${deviceId}"]`);
    await expect(row).toBeVisible();
    await expect(row.getByRole('cell', { name: 'Clinician' })).toBeVisible();
    expect(await device.client.completeJoin()).toBe(true);

    // Remove it, for a lost laptop.
    await row.getByRole('button', { name: /^Remove computer/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this computer?' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByText('cannot read new messages', { exact: false })).toBeVisible();
    await expect(dialog.getByText('Messages it already had stay on it.')).toBeVisible();
    await dialog.getByLabel('Reason').selectOption({ label: 'Lost' });
    await shoot('people-remove-dialog-en');
    await checkA11y();
    await dialog.getByRole('button', { name: 'Remove computer' }).click();
    await expect(page.getByText('Computer removed.')).toBeVisible();
    await expect(dialog).toBeHidden();
    await expect(row).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Computers in the clinic' })).toBeFocused();
    const after = await dispatch<People>(app, 'people:list');
    expect(after.devices.map((d) => d.deviceId)).not.toContain(deviceId);
    await expect(device.client.verifiedDirectory(true)).rejects.toThrow();

    // The same screen in French.
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('heading', { name: 'Personnes et ordinateurs' })).toBeVisible();
    await expect(page.getByText('Cet ordinateur', { exact: true })).toBeVisible();
    await shoot('people-fr');
  } finally {
    if (device) await device.client.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
