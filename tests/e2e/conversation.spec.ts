// The first real conversation, end to end, with two pages: the clinician's desktop renderer
// (real main services) and the patient portal, served by the clinic's own server (the relay
// embedded in the IT administrator's app, port 0). The patient enrolls with the code from the
// receipt's QR link, writes; the clinician sees it with the reply clock, answers; the patient
// sees the answer, and the read states move on both sides. English and French, desktop and
// phone sizes, axe-core on every screen.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Page } from '@playwright/test';

import { joinClinicAs, recordConsent } from './clinic-setup';
import { expect, expectAccessible, screensDir, test } from './fixtures';

test.setTimeout(180_000);

type Receipt = { record: { recordId: string }; enrollment: { code: string; portalUrl: string | null } | null; fingerprint: string };
type Rules = Record<string, unknown> & { security: Record<string, unknown> };

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };
const patientPassphrase = 'harbour maple violin seventy';

async function shot(page: Page, name: string): Promise<void> {
  await expectAccessible(page);
  mkdirSync(screensDir, { recursive: true });
  await page.screenshot({ path: resolve(screensDir, `conversation-${name}.png`), fullPage: true });
}

test('a patient enrolls in the portal and writes; the clinician answers within the reply clock; both see the read states', async ({ page, app, browser }) => {
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  const portalContext = await browser.newContext({ viewport: PHONE, locale: 'en-CA' });
  const portal = await portalContext.newPage();
  const portalProblems: string[] = [];
  portal.on('console', (m) => {
    if (m.type() === 'error') portalProblems.push(m.text());
  });
  portal.on('pageerror', (e) => portalProblems.push(e.message));
  try {
    const { rules } = await setup.admin.call<{ rules: Rules }>('clinic:status');
    await setup.admin.call('clinic:update-rules', { rules: { ...rules, phone: '613-555-0142', security: { ...rules.security, undoSendSeconds: 2 } } });

    // The front desk (here the IT administrator, also a registrar) records the consent.
    const recorded = await recordConsent(setup.admin.call, { givenName: 'Ana', familyName: 'Lopez', dateOfBirth: '1987-06-14' }, ['clinical']);
    const receipt = await setup.admin.call<Receipt>('consent:receipt', { recordId: recorded.recordId });
    const code = receipt.enrollment?.code ?? '';
    // The receipt's QR code holds the portal of the clinic's own server, the code in the fragment.
    expect(receipt.enrollment?.portalUrl).toBe(`${setup.relayUrl}/`);

    // The patient, on a phone: the QR link, the fingerprint from the receipt, a passphrase.
    await portal.goto(`${receipt.enrollment?.portalUrl}#code=${code}`);
    await expect(portal.getByTestId('code-filled')).toBeVisible();
    await shot(portal, 'portal-enroll-phone-en');
    await portal.getByRole('button', { name: 'Continue' }).click();
    await expect(portal.getByTestId('clinic-checked')).toBeVisible();
    await portal.getByText('Details').click();
    await expect(portal.getByTestId('fingerprint')).toHaveText(receipt.fingerprint.replace(/ /g, ''));
    await portal.getByLabel('Passphrase', { exact: true }).fill(patientPassphrase);
    await portal.getByLabel('Type the passphrase again').fill(patientPassphrase);
    await portal.getByRole('button', { name: 'Connect this device' }).click();
    await expect(portal.getByTestId('connection')).toHaveText('Connected', { timeout: 20_000 });
    await expect(portal.getByTestId('reply-time')).toContainText('The clinic usually answers by');

    await portal.getByLabel('Your message').fill('Hello, my ankle is still swollen after the sprain. Should I keep the brace on?');
    await portal.getByRole('button', { name: 'Send', exact: true }).click();
    const question = portal.getByTestId('message').filter({ hasText: 'ankle is still swollen' });
    await expect(question).toHaveAttribute('data-state', /sent|delivered/);
    await shot(portal, 'portal-sent-phone-en');

    // The clinician: the conversation comes first, named, unread, with its reply clock.
    await page.setViewportSize(DESKTOP);
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Conversations' }).click();
    const row = page.getByRole('listbox', { name: 'Conversations' }).getByRole('option', { name: /Ana Lopez/ });
    await expect(row).toContainText('1 unread', { timeout: 30_000 });
    await expect(row).toContainText(/\d+ (h|min)( \d+)? left|Due (today|tomorrow|\w+)|Overdue by/);
    await expect(row).toContainText('ankle is still swollen');
    await shot(page, 'clinician-inbox-desktop-en');

    // Opening it reads it: the patient's portal says so.
    await row.click();
    const thread = page.getByRole('region', { name: 'Messages with Ana Lopez' });
    await expect(thread).toContainText('Should I keep the brace on?');
    await expect(row).not.toContainText('unread');
    await expect(question).toHaveAttribute('data-state', 'read', { timeout: 20_000 });
    await expect(question.getByTestId('message-state')).toHaveText('Read by the clinic');

    // The answer leaves once the undo window closes; the patient sees it, which reads it.
    await page.getByLabel('Message to Ana Lopez').fill('Keep the brace on for another week, and raise the foot when you sit.');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const answer = thread.getByRole('listitem').filter({ hasText: 'raise the foot' });
    await expect(answer).toContainText('Sending…');
    await expect(portal.getByTestId('message').filter({ hasText: 'raise the foot' })).toBeVisible({ timeout: 30_000 });
    await expect(answer).toContainText('Read', { timeout: 30_000 });
    await expect(row).not.toContainText(/left|Due|Overdue/);
    await shot(page, 'clinician-thread-desktop-en');
    await shot(portal, 'portal-answer-phone-en');
    await portal.setViewportSize(DESKTOP);
    await shot(portal, 'portal-answer-desktop-en');

    // A click on the notification of a new message opens its conversation, from any tab.
    await page.getByRole('tab', { name: 'Account and computer' }).click();
    app.deliver?.('inbox:open', { patientId: recorded.patientId });
    await expect(page.getByRole('heading', { level: 3, name: 'Ana Lopez' })).toBeFocused();
    await expect(page.getByRole('tab', { name: 'Conversations' })).toHaveAttribute('aria-selected', 'true');

    // French on both sides, at both sizes.
    await portal.getByRole('button', { name: 'Français' }).click();
    await expect(question.getByTestId('message-state')).toHaveText('Lu par la clinique');
    await shot(portal, 'portal-answer-desktop-fr');
    await portal.setViewportSize(PHONE);
    await shot(portal, 'portal-answer-phone-fr');
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByRole('region', { name: 'Messages avec Ana Lopez' })).toContainText('Lu');
    await shot(page, 'clinician-thread-desktop-fr');
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot(page, 'clinician-thread-small-fr');
    expect(portalProblems).toEqual([]);
  } finally {
    await portalContext.close();
    await setup.close();
  }
});
