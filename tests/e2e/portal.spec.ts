// The patient portal in Chromium, served by a real relay (port 0) from the built bundle
// (out/portal). A headless clinic (IT admin, clinician) runs in this process. The patient
// enrolls with the code from the receipt's QR link (or types the short code with the date of
// birth), is told the clinic was checked with the code, sets a passphrase, reads the terms, writes; the clinician reads and answers; receipts flow both
// ways; a reload unlocks from IndexedDB; the patient withdraws and the clinician is stopped.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { type Page, expect, test } from '@playwright/test';

import { type HeadlessClinic, type HeadlessDevice, startHeadlessClinic } from '../../tools/headless';
import { defaultClinicRules } from '../../src/shared/protocol/clinic-rules';

const portalDir = resolve(import.meta.dirname, '../../out/portal');
const shotsDir = resolve(import.meta.dirname, '../../test-results/screenshots');
const passphrase = 'maple harbour violin seventy';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

async function expectAccessible(page: Page, only?: string): Promise<void> {
  const builder = new AxeBuilder({ page });
  const axe = await (only ? builder.include(only) : builder).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Saves the screen as it is (the whole page, or what a modal dialog covers). */
async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(shotsDir, `portal-${name}.png`), fullPage });
}

/** Checks the screen with axe, then saves it. */
async function screen(page: Page, name: string, fullPage = true): Promise<void> {
  await expectAccessible(page);
  await shoot(page, name, fullPage);
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string;
let clinic: HeadlessClinic;
let dr: HeadlessDevice;
let code: string;

test.beforeAll(async () => {
  mkdirSync(shotsDir, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'cm-e2e-portal-'));
  clinic = await startHeadlessClinic({
    dir,
    clinicName: 'Lakeside Family Clinic',
    relay: { portalDir, connectionRate: { capacity: 1000, refillPerSecond: 100 } },
  });
  const rules = defaultClinicRules('Lakeside Family Clinic', 'America/Toronto');
  // Open every day, all day: this test's patient never writes while the clinic is closed, at
  // whatever hour the suite runs (the out-of-hours test below sets its own closed days).
  const allDay = [{ opens: '00:00', closes: '23:59' }];
  await clinic.admin.client.publishPolicy({
    ...rules,
    businessHours: { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay },
    phone: '613-555-0142',
    emergency: { number: '911', nearestEmergencyDepartment: 'Lakeside General Hospital, 200 Shore Road', otherAdvice: 'For health advice at night, call the nurse line at 811.' },
  });
  dr = await clinic.addStaff('dr', 'clinician');
  code = (await clinic.admin.client.enrollPatient({ patientId: 'pat-ana', scopes: ['clinical', 'reminders'] })).code;
});

test.afterAll(async () => {
  await clinic?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a patient enrolls in the portal, writes, gets an answer, unlocks again and withdraws', async ({ page }) => {
  // About 35 s on an idle machine (three Argon2id runs at 64 MiB, axe on the long terms text).
  test.setTimeout(90_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.setViewportSize(DESKTOP);

  // 1. The receipt's QR link: the code arrives in the fragment, which is then cleared.
  const url = clinic.relay.url;
  await page.goto(`${url}/#code=${code}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Connect to your clinic' })).toBeVisible();
  await expect(page).toHaveURL(`${url}/`);
  await expect(page.getByTestId('code-filled')).toBeVisible();
  await screen(page, 'enroll-desktop-en');
  await page.getByRole('button', { name: 'Continue' }).click();

  // 2. Nothing to compare: the portal checked the clinic with the code; the fingerprint is under Details.
  await expect(page.getByTestId('clinic-checked')).toHaveText('This is Lakeside Family Clinic, checked with your code.');
  await page.getByText('Details').click();
  await expect(page.getByTestId('fingerprint')).toHaveText(clinic.admin.client.fingerprint.replace(/ /g, ''));

  // 3. The passphrase: a weak one is refused, then the device is connected.
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a passphrase' })).toBeVisible();
  await page.getByLabel('Passphrase', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Connect this device' }).click();
  await expect(page.getByRole('alert')).toContainText('at least 12 characters');
  await screen(page, 'passphrase-desktop-en');
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Type the passphrase again').fill(passphrase);
  await page.getByRole('button', { name: 'Connect this device' }).click();

  // 4. The conversation, with the emergency notice and the expected reply time.
  await expect(page.getByRole('heading', { level: 1, name: 'Lakeside Family Clinic' })).toBeVisible({ timeout: 15_000 });
  // Argon2id ran in the worker, off the page's thread.
  expect(workers.some((u) => /\/assets\/kdf-worker-[\w-]+\.js$/.test(u))).toBe(true);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  await expect(page.getByRole('region', { name: 'In an emergency, do not write' })).toContainText('Call 911, or go to the nearest emergency department: Lakeside General Hospital, 200 Shore Road.');
  await expect(page.getByTestId('reply-time')).toContainText('The clinic usually answers by');
  await expect(page.getByTestId('emergency-short')).toHaveText('Emergency? Call 911 now. Do not write.');
  await expect(page.getByRole('region', { name: 'These need a visit or a call' })).toContainText('New or worsening symptoms');

  await page.getByLabel('Your message').fill('Could I renew my asthma inhaler? I have two doses left.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const mine = page.getByTestId('message').filter({ hasText: 'asthma inhaler' });
  await expect(mine).toHaveAttribute('data-state', /sent|delivered/);

  // 5. The clinician reads it: the portal shows "read"; the answer appears live.
  await until(async () => (await dr.client.sync(), dr.client.messages('pat-ana').length === 1), 'the clinic to receive the message');
  const received = dr.client.messages('pat-ana')[0];
  expect(received?.body).toBe('Could I renew my asthma inhaler? I have two doses left.');
  await dr.client.markRead(received?.messageId ?? '');
  await expect(mine).toHaveAttribute('data-state', 'read');
  await expect(mine.getByTestId('message-state')).toHaveText('Read by the clinic');
  const reply = await dr.client.send({ patientId: 'pat-ana', body: 'Yes. Your renewal will be at the pharmacy tomorrow after 10.' });
  await expect(page.getByTestId('message').filter({ hasText: 'Your renewal will be at the pharmacy' })).toBeVisible();
  // On screen, so read: the receipt reaches the clinician.
  await until(async () => (await dr.client.sync(), dr.client.message(reply.messageId)?.state === 'read'), 'the read receipt');
  await screen(page, 'messages-desktop-en');

  // 5b. A message that describes an emergency is stopped before it leaves, on a phone-sized screen.
  await page.setViewportSize(PHONE);
  const composer = page.getByLabel('Your message');
  const urgentText = 'my chest feels really tight and i cant breathe well';
  await composer.fill(urgentText);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const triage = page.getByTestId('triage-dialog');
  await expect(triage.getByRole('heading', { name: 'This sounds like an emergency' })).toBeVisible();
  await expect(triage).toContainText('Call 911, or go to the nearest emergency department: Lakeside General Hospital, 200 Shore Road.');
  await expect(triage.getByRole('button', { name: 'Change my message' })).toBeFocused();
  await expectAccessible(page);
  await page.screenshot({ path: join(shotsDir, 'triage-phone-en.png') });
  // Enter (held or pressed again) never sends: it only goes back to the message.
  await page.keyboard.press('Enter');
  await expect(triage).toBeHidden();
  await expect(composer).toBeFocused();
  await expect(composer).toHaveValue(urgentText);
  await page.keyboard.press('Escape');
  expect(await page.getByTestId('message').count()).toBe(2);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(triage).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(triage).toBeHidden();
  expect(await page.getByTestId('message').count()).toBe(2);
  // Sent anyway: it leaves marked urgent, inside the encryption.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await triage.getByRole('button', { name: 'Send it anyway' }).click();
  const urgentMine = page.getByTestId('message').filter({ hasText: 'chest feels really tight' });
  await expect(urgentMine).toContainText('Marked urgent');
  await until(async () => (await dr.client.sync(), dr.client.messages('pat-ana').some((m) => m.body === urgentText)), 'the clinic to receive the urgent message');
  await page.screenshot({ path: join(shotsDir, 'triage-sent-phone-en.png'), fullPage: true });
  await page.setViewportSize(DESKTOP);

  // 5c. An appointment reminder from the front desk: in its own list, not in the conversation.
  await clinic.admin.client.notices.sendReminder('pat-ana', 'Reminder from Lakeside Family Clinic: you have an appointment on Tuesday 8 December at 9:30.');
  await expect(page.getByRole('button', { name: /^Reminders \(1\)$/ })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('message').filter({ hasText: 'you have an appointment on Tuesday' })).toHaveCount(0);
  await page.getByRole('button', { name: /^Reminders/ }).click();
  await expect(page.getByTestId('notice')).toHaveCount(1);
  await expect(page.getByTestId('notice')).toContainText('Reminder');
  await expect(page.getByTestId('notice')).toContainText('you have an appointment on Tuesday 8 December at 9:30.');
  await screen(page, 'newsletter-portal-reminders-en');
  await expect(page.getByRole('button', { name: 'Reminders', exact: true })).toBeVisible();

  // 6. The terms the patient agreed to, and their consent status.
  await page.getByRole('button', { name: 'Your consent' }).click();
  await expect(page.getByTestId('consent-status')).toContainText('Messages about your care');
  await expect(page.getByTestId('consent-status')).toContainText('Appointment reminders');
  await expect(page.getByRole('heading', { level: 2, name: 'Consent to secure messaging with Lakeside Family Clinic' })).toBeVisible();
  await screen(page, 'terms-desktop-en');

  // 7. French, then a phone-sized screen, in both languages.
  await page.getByRole('button', { name: 'Français' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Consentement à la messagerie sécurisée avec Lakeside Family Clinic' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await screen(page, 'terms-desktop-fr');
  await page.getByRole('button', { name: 'Messages' }).click();
  await expect(page.getByRole('region', { name: 'En cas d’urgence, n’écrivez pas' })).toBeVisible();
  await expect(mine.getByTestId('message-state')).toHaveText('Lu par la clinique');
  await screen(page, 'messages-desktop-fr');
  await page.setViewportSize(PHONE);
  // Same screens as above at phone size: axe once more on the messages, pictures of the rest.
  await screen(page, 'messages-phone-fr');
  // The emergency screen in French: accents or not, it catches the sign.
  await page.getByLabel('Votre message').fill('J’ai une douleur a la poitrine qui serre depuis ce matin');
  await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await expect(triage.getByRole('heading', { name: 'Cela ressemble à une urgence' })).toBeVisible();
  await expect(triage.getByRole('button', { name: 'Modifier mon message' })).toBeFocused();
  await page.screenshot({ path: join(shotsDir, 'triage-phone-fr.png') });
  await page.keyboard.press('Enter');
  await expect(triage).toBeHidden();
  await page.getByLabel('Votre message').fill('');
  await page.getByRole('button', { name: 'Votre consentement' }).click();
  await shoot(page, 'terms-phone-fr');
  await page.getByRole('button', { name: 'English' }).click();
  await shoot(page, 'terms-phone-en');
  await page.getByRole('button', { name: 'Messages' }).click();
  await shoot(page, 'messages-phone-en');

  // 8. A reload: locked; a wrong passphrase is refused; the right one brings the history back.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Unlock your messages' })).toBeVisible();
  await page.getByLabel('Passphrase', { exact: true }).fill('maple harbour violin seventy-one');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('does not open');
  await screen(page, 'unlock-phone-en');
  await page.setViewportSize(DESKTOP);
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByTestId('message')).toHaveCount(3);
  await expect(mine).toHaveAttribute('data-state', 'read');

  // Nothing readable in IndexedDB.
  const stored = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, ko) => {
      const r = indexedDB.open('clinic-messenger-portal');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => ko(r.error);
    });
    const values = await new Promise<unknown[]>((ok, ko) => {
      const r = db.transaction('vault').objectStore('vault').getAll();
      r.onsuccess = () => ok(r.result as unknown[]);
      r.onerror = () => ko(r.error);
    });
    return values.map((v) => new TextDecoder('latin1').decode(v as Uint8Array)).join('\n');
  });
  for (const secret of ['inhaler', 'pharmacy', 'pat-ana', 'Lakeside', 'privateKey']) expect(stored).not.toContain(secret);

  // 9. Withdrawal, with its explanation; the clinician is stopped at once.
  await page.getByRole('button', { name: 'Your consent' }).click();
  await page.getByRole('button', { name: 'Withdraw my consent…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Withdraw your consent?' });
  await expect(dialog).toContainText('stay in your record at the clinic');
  await expectAccessible(page, 'dialog');
  await shoot(page, 'withdraw-desktop-en', false);
  await dialog.getByRole('button', { name: 'Yes, withdraw' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your consent is withdrawn' })).toBeVisible();
  await expect(page.getByTestId('consent-status')).toContainText('You withdrew your consent');
  await dr.client.verifiedDirectory(true);
  await expect(dr.client.send({ patientId: 'pat-ana', body: 'Are you still there?' })).rejects.toMatchObject({ code: 'no-consent' });
  await page.getByRole('button', { name: 'Messages' }).click();
  await expect(page.getByText('Messaging with the clinic is stopped.')).toBeVisible();
  await screen(page, 'withdrawn-desktop-en');

  expect(problems).toEqual([]);
});

test('a message written while the clinic is closed gets the automatic notice at once, in English and French', async ({ page }) => {
  test.setTimeout(90_000);
  // Closed today and the next three days, in the clinic's zone, whatever the hour of the run.
  const torontoDay = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(at);
  const holidays = [0, 1, 2, 3].map((d) => torontoDay(Date.now() + d * 86_400_000));
  const rules = defaultClinicRules('Lakeside Family Clinic', 'America/Toronto');
  await clinic.admin.client.publishPolicy({
    ...rules,
    holidays,
    phone: '613-555-0142',
    emergency: { number: '911', nearestEmergencyDepartment: 'Lakeside General Hospital, 200 Shore Road' },
  });
  const benCode = (await clinic.admin.client.enrollPatient({ patientId: 'pat-ben', scopes: ['clinical'] })).code;
  await page.setViewportSize(PHONE);
  await page.goto(`${clinic.relay.url}/#code=${benCode}`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Type the passphrase again').fill(passphrase);
  await page.getByRole('button', { name: 'Connect this device' }).click();
  await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 20_000 });

  await page.getByLabel('Your message').fill('Could I get a copy of my lab results?');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const notice = page.getByTestId('out-of-hours-notice');
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText('Automatic notice from the clinic');
  await expect(notice).toContainText('The clinic is closed now. It opens again');
  await expect(notice).toContainText('Expect an answer by');
  await expect(notice).toContainText('Call 911, or go to the nearest emergency department: Lakeside General Hospital, 200 Shore Road.');
  await expectAccessible(page);
  await page.screenshot({ path: join(shotsDir, 'out-of-hours-phone-en.png'), fullPage: true });
  // A second message in the same closed period: no second notice.
  await page.getByLabel('Your message').fill('And the date of my next visit, please.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByTestId('message')).toHaveCount(2);
  await expect(notice).toHaveCount(1);
  // The clinician's computer learns, inside the encryption, that the patient was shown it.
  await until(async () => (await dr.client.sync(), dr.client.messages('pat-ben').length === 2), 'the clinic to receive both messages');
  expect(dr.client.messages('pat-ben').map((m) => m.outOfHours !== null)).toEqual([true, false]);

  await page.getByRole('button', { name: 'Français' }).click();
  await expect(notice).toContainText('La clinique est fermée en ce moment. Elle rouvre');
  await expect(notice).toContainText('Composez le 911');
  await page.screenshot({ path: join(shotsDir, 'out-of-hours-phone-fr.png'), fullPage: true });
});


test('a patient connects with the short code and the date of birth, on a small phone, in English and French', async ({ page }) => {
  test.setTimeout(120_000);
  const SMALL = { width: 320, height: 700 };
  const words = {
    en: { cont: 'Continue', day: 'Day', month: 'Month', year: 'Year', monthName: 'April', typo: 'Group 3 of the code has a typing mistake', wrong: 'does not match what the clinic recorded', checked: 'This is Lakeside Family Clinic, checked with your code.', pass: 'Passphrase', again: 'Type the passphrase again', connect: 'Connect this device', connected: 'Connected', code: 'Connection code' },
    fr: { cont: 'Continuer', day: 'Jour', month: 'Mois', year: 'Année', monthName: 'avril', typo: 'Le groupe 3 du code contient une faute de frappe', wrong: 'ne correspond pas à ce que la clinique a noté', checked: 'Il s’agit bien de Lakeside Family Clinic, vérifié grâce à votre code.', pass: 'Phrase secrète', again: 'Saisissez de nouveau la phrase secrète', connect: 'Connecter cet appareil', connected: 'Connecté', code: 'Code de connexion' },
  } as const;
  for (const lang of ['en', 'fr'] as const) {
    const w = words[lang];
    const issued = await clinic.admin.client.enrollPatient({ patientId: `pat-short-${lang}`, scopes: ['clinical'], birthDate: '1980-04-02' });
    const short = issued.shortCode as string;
    const context = await page.context().browser()!.newContext({ viewport: SMALL, locale: lang === 'fr' ? 'fr-CA' : 'en-CA' });
    const phone = await context.newPage();
    try {
      await phone.goto(`${clinic.relay.url}/`);
      const codeField = phone.getByLabel(w.code);
      await expect(codeField).toBeVisible();
      // Pasted or typed, with or without dashes, in either case; a mistake names its group.
      const typo = `${short.slice(0, 10)}${short[10] === 'A' ? 'B' : 'A'}${short.slice(11)}`;
      await codeField.fill(typo.toLowerCase());
      await phone.getByLabel(w.day).fill('2');
      await phone.getByLabel(w.month).selectOption({ label: w.monthName });
      await phone.getByLabel(w.year).fill('1980');
      await phone.getByRole('button', { name: w.cont }).click();
      await expect(phone.getByRole('alert')).toContainText(w.typo);
      await expectAccessible(phone);
      await phone.screenshot({ path: join(shotsDir, `enroll-short-typo-${lang}.png`), fullPage: true });

      // The right code, a wrong day: the relay says "code or date of birth", never which.
      await codeField.fill(short.replace(/-/g, ' ').toLowerCase());
      await phone.getByLabel(w.day).fill('3');
      await phone.getByRole('button', { name: w.cont }).click();
      await expect(phone.getByRole('alert')).toContainText(w.wrong, { timeout: 20_000 });
      await phone.screenshot({ path: join(shotsDir, `enroll-short-wrong-${lang}.png`), fullPage: true });

      // At 200 % text size the code and the date still fit: nothing runs off the screen.
      await phone.getByLabel(w.day).fill('2');
      // Through the CSSOM: the page's CSP refuses inline style sheets, as it should.
      await phone.evaluate(() => document.documentElement.style.setProperty('font-size', '200%'));
      const fits = await phone.evaluate(() => {
        const input = document.querySelector<HTMLInputElement>('.code-input');
        const wide = [...document.querySelectorAll<HTMLElement>('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => `${e.tagName}.${e.className}`);
        return { page: document.documentElement.scrollWidth <= window.innerWidth, code: input ? input.scrollWidth <= input.clientWidth : false, wide };
      });
      expect(fits).toEqual({ page: true, code: true, wide: [] });
      await phone.screenshot({ path: join(shotsDir, `enroll-short-200-${lang}.png`), fullPage: true });
      await phone.evaluate(() => document.documentElement.style.removeProperty('font-size'));
      await phone.screenshot({ path: join(shotsDir, `enroll-short-phone-${lang}.png`), fullPage: true });

      await phone.getByRole('button', { name: w.cont }).click();
      await expect(phone.getByTestId('clinic-checked')).toHaveText(w.checked, { timeout: 20_000 });
      await expectAccessible(phone);
      await phone.screenshot({ path: join(shotsDir, `enroll-short-checked-${lang}.png`), fullPage: true });
      await phone.getByLabel(w.pass, { exact: true }).fill(passphrase);
      await phone.getByLabel(w.again).fill(passphrase);
      await phone.getByRole('button', { name: w.connect }).click();
      await expect(phone.getByTestId('connection')).toHaveText(w.connected, { timeout: 30_000 });
      await phone.screenshot({ path: join(shotsDir, `enroll-short-connected-${lang}.png`), fullPage: true });
    } finally {
      await context.close();
    }
  }
});
