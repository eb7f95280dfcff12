// The clinic vouches for the portal its relay serves (ADR 16), in the real renderer: the IT
// admin vouches from the rules screen; one byte of a served portal file changes; a
// clinician's computer finds it and alerts IT; the IT admin's screen shows the alert at
// once, naming the file. Then the same banner on a clinician's screen, in French.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { Page } from '@playwright/test';

import { expect, test } from './fixtures';
import type { Harness } from './harness';
import { type Relay, startRelay } from '../../src/relay/server';
import { clinicDetails } from '../support/clinic-details';
import { type TestApp, startTestApp } from '../support/main-app';

const builtPortal = resolve(import.meta.dirname, '../../out/portal');
const passphrase = 'copper lantern orbit meadow 47';

async function dispatch<T>(app: Harness, channel: string, request: unknown = {}): Promise<T> {
  const result = await app.router.dispatch(channel, request, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

type Served = { relay: Relay; dir: string; script: string; close(): Promise<void> };

/** A relay serving its own copy of the built portal, so a test may change a byte of it. */
async function servedPortal(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-e2e-vouch-'));
  cpSync(builtPortal, join(dir, 'portal'), { recursive: true });
  const relay = await startRelay({ port: 0, dataDir: join(dir, 'relay'), portalDir: join(dir, 'portal') });
  const script = readdirSync(join(dir, 'portal', 'assets')).find((name) => /^index-.*\.js$/.test(name)) as string;
  return {
    relay,
    dir,
    script: `/assets/${script}`,
    async close() {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function changeOneByte(served: Served): void {
  const file = join(served.dir, 'portal', served.script.slice(1));
  const bytes = readFileSync(file);
  bytes[100] = (bytes[100] as number) ^ 0x01;
  writeFileSync(file, bytes);
}

async function joinAsClinician(it: { invite: () => Promise<string>; approve: () => Promise<unknown> }, relayUrl: string): Promise<TestApp> {
  const dr = await startTestApp();
  await dr.call('profiles:create', { displayName: 'Dr Lee', passphrase });
  await dr.call('clinic:join', { relayUrl, inviteCode: await it.invite() });
  await it.approve();
  await dr.call('clinic:check-approval');
  return dr;
}

test('the IT admin vouches for the portal; one changed byte raises the alert on the IT screen, naming the file', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(120_000);
  const served = await servedPortal();
  try {
    await dispatch(app, 'profiles:create', { displayName: 'Robin Admin', passphrase });
    await dispatch(app, 'clinic:set-up', { where: 'relay', relayUrl: served.relay.url, setupToken: served.relay.setupToken, clinicName: 'Lakeside Family Clinic', yourName: 'Robin Admin', timeZone: 'America/Toronto', details: clinicDetails });

    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Clinic rules' }).click();
    const card = page.getByRole('region', { name: 'Patient portal' });
    await expect(card.getByText('Nobody has vouched for the portal yet', { exact: false })).toBeVisible();
    await card.getByRole('button', { name: 'Vouch for the portal the server serves now' }).click();
    const dialog = page.getByRole('dialog', { name: 'Vouch for the portal?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Vouch for it' }).click();
    await expect(card.getByTestId('portal-vouch')).toContainText('from this computer');
    await expect(card.getByTestId('portal-last-check')).toContainText('the server serves the portal vouched for');
    // Vouching published the next version of the signed rules.
    await expect(page.getByText('Rules version 2 ·', { exact: false })).toBeVisible();
    await shoot('portal-vouched-en');

    const dr = await joinAsClinician(
      {
        invite: async () => (await dispatch<{ code: string }>(app, 'people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 1 })).code,
        approve: () => dispatch(app, 'people:approve'),
      },
      served.relay.url,
    );
    try {
      expect(await dr.call('portal:check')).toMatchObject({ lastCheck: { outcome: 'match' } });
      changeOneByte(served);
      expect(await dr.call('portal:check')).toMatchObject({ lastCheck: { outcome: 'mismatch', reported: true, differences: [{ path: served.script, problem: 'changed' }] } });

      // Pushed by the relay: the IT screen shows it without a reload or a click.
      const banner = page.getByRole('alert').filter({ hasText: 'The patient portal was changed' });
      await expect(banner).toBeVisible();
      await expect(banner).toContainText(`${served.script}: changed`);
      await expect(banner).toContainText('Reported by a clinician’s computer');
      await shoot('portal-alert-it-en');
      await checkA11y();

      // The IT admin puts the file back and vouches again: the alert closes.
      changeOneByte(served);
      await card.getByRole('button', { name: 'Vouch for the portal the server serves now' }).click();
      await dialog.getByRole('button', { name: 'Vouch for it' }).click();
      await expect(banner).toBeHidden();
    } finally {
      await dr.close();
    }
  } finally {
    await served.close();
  }
});

test('a clinician’s screen shows the changed portal at once, in French', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(120_000);
  const served = await servedPortal();
  const it = await startTestApp();
  try {
    await it.call('profiles:create', { displayName: 'IT', passphrase });
    await it.call('clinic:set-up', { where: 'relay', relayUrl: served.relay.url, setupToken: served.relay.setupToken, clinicName: 'Clinique familiale du Lac', yourName: 'Robin', timeZone: 'America/Toronto', details: clinicDetails });
    await it.call('portal:vouch');
    await dispatch(app, 'profiles:create', { displayName: 'Dre Gagnon', passphrase });
    const { code } = await it.call<{ code: string }>('people:invite', { displayName: 'Dre Gagnon', role: 'clinician', validDays: 1 });
    await dispatch(app, 'clinic:join', { relayUrl: served.relay.url, inviteCode: code });
    await it.call('people:approve');
    await dispatch(app, 'clinic:check-approval');

    await page.goto(app.url);
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('tab', { name: 'Conversations' })).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: 'portail' })).toHaveCount(0);

    changeOneByte(served);
    // The computer's own timer would find it within hours; here the check runs now.
    await dispatch(app, 'portal:check');
    const banner = page.getByRole('alert').filter({ hasText: 'Le portail patient a été modifié' });
    await expect(banner).toBeVisible();
    await expect(banner).toContainText(`${served.script} : modifié`);
    await expect(banner).toContainText('Les administrateurs informatiques de la clinique ont été alertés');
    await shoot('portal-alert-clinician-fr');
    await checkA11y();
  } finally {
    await it.close();
    await served.close();
  }
});

test('a browser runs only the portal scripts the build made (Subresource Integrity)', async ({ browser }) => {
  const served = await servedPortal();
  /** Opens the portal in a fresh browser (no cached files); returns the console errors. */
  const open = async (check: (page: Page, problems: string[]) => Promise<void>) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    try {
      await page.goto(`${served.relay.url}/`);
      await check(page, problems);
    } finally {
      await context.close();
    }
  };
  try {
    await open(async (page, problems) => {
      await expect(page.getByRole('heading', { level: 1, name: 'Connect to your clinic' })).toBeVisible();
      expect(problems).toEqual([]);
    });
    // The relay serves a changed script under the same name, index.html untouched: the browser refuses to run it.
    changeOneByte(served);
    await open(async (page, problems) => {
      await expect.poll(() => problems.some((p) => /integrity/i.test(p))).toBe(true);
      await expect(page.getByText('Loading… / Chargement…')).toBeVisible();
      await expect(page.getByRole('heading', { level: 1, name: 'Connect to your clinic' })).toHaveCount(0);
    });
  } finally {
    await served.close();
  }
});
