// The clinician's inbox, driven through the real renderer against the real main services:
// two enrolled patients write; the list shows them sorted with unread counts and reply
// clocks; search, keyboard opening and reading; a reply taken back inside the undo window
// and sent again, delivered and read on the patient's device; a draft that survives a lock;
// a withdrawn consent that closes the composer; the "needs a visit" reply; English and French.
// The clinic, the patients and their consents are set up through main's router.
import type { Page } from '@playwright/test';

import type { HeadlessPatient } from '../../tools/headless';
import { type Clock, instants } from '../support/clock';
import { type ClinicSetup, type Person, deskPassphrase, joinClinicAs, recordConsent } from './clinic-setup';
import { expect, test } from './fixtures';
import type { Harness } from './harness';

test.setTimeout(180_000);
// Main's clock, the clinic's relay and the patients' devices read one clock pinned to a
// weekday morning in Toronto, so the order and the reply clocks are the same at any hour.
test.use({ clockAt: instants.weekdayOpen });

type Rules = Record<string, unknown> & { security: Record<string, unknown> };

/** A patient registered by the clinic's registrar, with consent to care messages and reminders, enrolled on a phone. */
async function enrolledPatient(setup: ClinicSetup, person: Person): Promise<{ id: string; device: HeadlessPatient }> {
  const { patientId, code } = await recordConsent(setup.admin.call, person);
  expect(code).toBeTruthy();
  return { id: patientId, device: await setup.patientDevice(code) };
}

/** The page starts unlocked (the account was just created) or on the unlock screen. */
async function openInbox(page: Page, app: Harness) {
  await page.goto(app.url);
  await unlockIfNeeded(page);
  await page.getByRole('tab', { name: 'Conversations' }).click();
}

async function unlockIfNeeded(page: Page) {
  const tab = page.getByRole('tab', { name: /Conversations/ });
  const passphrase = page.getByLabel('Passphrase', { exact: true });
  await expect(tab.or(passphrase)).toBeVisible();
  if (await passphrase.isVisible()) {
    await passphrase.fill(deskPassphrase);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(tab).toBeVisible();
  }
}

test('the clinician answers from the inbox: sorted, searched, read, replied with undo, drafts kept, consent enforced', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  try {
    // The clinic's rules: a phone number and an in-person list for the "needs a visit" reply.
    const { rules } = await setup.admin.call<{ rules: Rules }>('clinic:status');
    await setup.admin.call('clinic:update-rules', {
      rules: { ...rules, phone: '613-555-0142', inPersonTopics: ['New or worsening symptoms', 'Test results that need an examination'], security: { ...rules.security, undoSendSeconds: 10 } },
    });

    const alex = await enrolledPatient(setup, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const camille = await enrolledPatient(setup, { givenName: 'Camille', familyName: 'Roy', dateOfBirth: '1992-11-15' });
    // Alex writes first, so Alex's answer is due first and comes first.
    await alex.device.send('Hello, could you renew my blood pressure prescription?');
    await camille.device.send('Is my appointment on Thursday still at 9?');
    await camille.device.send('Also, should I come fasting?');

    await openInbox(page, app);
    const list = page.getByRole('listbox', { name: 'Conversations' });
    const options = list.getByRole('option');
    await expect(options).toHaveCount(2, { timeout: 30_000 });
    const alexRow = list.getByRole('option', { name: /Alex Martin/ });
    const camilleRow = list.getByRole('option', { name: /Camille Roy/ });
    await expect(alexRow).toContainText('1 unread', { timeout: 30_000 });
    await expect(camilleRow).toContainText('2 unread', { timeout: 30_000 });
    await expect(options.first()).toContainText('Alex Martin');
    await expect(options.nth(1)).toContainText('Camille Roy');
    // Each row: a reply clock in words, the consent and its scopes.
    for (const row of [alexRow, camilleRow]) {
      await expect(row).toContainText(/\d+ (h|min)( \d+)? left|Due (today|tomorrow|\w+)|Overdue by/);
      await expect(row).toContainText('Consent active · Care, Reminders');
    }
    await expect(camilleRow).toContainText('Also, should I come fasting?');
    await expect(page.getByText('Conversations: 2 of 2')).toBeVisible();
    await shoot('inbox-list-en');
    await checkA11y();

    // Search: "/" jumps to it, a name that matches nobody, then one patient; Escape clears.
    await list.focus();
    await page.keyboard.press('/');
    const search = page.getByLabel('Search conversations');
    await expect(search).toBeFocused();
    await search.fill('Zzyzx');
    await expect(page.getByText('No conversation matches “Zzyzx”')).toBeVisible();
    await shoot('inbox-no-match-en');
    await search.fill('camil');
    await expect(options).toHaveCount(1);
    await expect(options.first()).toContainText('Camille Roy');
    await search.press('Escape');
    await expect(search).toHaveValue('');
    await expect(options).toHaveCount(2);

    // Ctrl+F also goes to the search.
    await list.focus();
    await page.keyboard.press('Control+f');
    await expect(search).toBeFocused();

    // Filters: waiting for an answer, unread only, then everything again.
    await page.getByRole('button', { name: 'Needs an answer', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Needs an answer', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(options).toHaveCount(2);
    await page.getByRole('button', { name: 'Unread', exact: true }).click();
    await expect(options).toHaveCount(2);
    await page.getByRole('button', { name: 'All', exact: true }).click();

    // Keyboard: into the list, to the first row, Enter opens it; the unread count clears.
    await list.focus();
    await expect(list).toHaveAttribute('aria-activedescendant', /inbox-row-/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { level: 3, name: 'Alex Martin' });
    await expect(heading).toBeFocused();
    await expect(alexRow).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByText(/Born (Apr 2, 1980|2 Apr 1980)/)).toBeVisible();
    const messages = page.getByRole('region', { name: 'Messages with Alex Martin' });
    await expect(messages).toContainText('could you renew my blood pressure prescription?');
    await expect(alexRow).not.toContainText('unread');
    await expect(camilleRow).toContainText('2 unread');

    // A new message is announced by count only, never by its content.
    await camille.device.send('Sorry, one more question about the fasting.');
    await expect(camilleRow).toContainText('3 unread', { timeout: 30_000 });
    await expect(page.getByRole('status').filter({ hasText: 'New messages from patients: 1' })).toHaveCount(1);
    await expect(page.getByRole('status').filter({ hasText: 'fasting' })).toHaveCount(0);

    // Reply with Ctrl+Enter: pending, with an undo that brings the text back.
    const composer = page.getByLabel('Message to Alex Martin');
    await composer.fill('Yes, it is renewed. You can pick it up tomorrow.');
    await composer.press('Control+Enter');
    await expect(composer).toHaveValue('');
    const pending = messages.getByRole('listitem').filter({ hasText: 'You can pick it up tomorrow.' });
    await expect(pending).toContainText('Sending…');
    const undo = pending.getByRole('button', { name: /take this message back/ });
    await expect(undo).toBeVisible();
    await expect(undo).toHaveText(/Undo \(\d+ s\)/);
    await shoot('inbox-thread-pending-en');
    await undo.click();
    await expect(composer).toHaveValue('Yes, it is renewed. You can pick it up tomorrow.');
    await expect(composer).toBeFocused();
    await expect(messages.getByRole('listitem').filter({ hasText: 'You can pick it up tomorrow.' })).toHaveCount(0);

    // Send again, with the button this time; once the undo window closes it leaves.
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const reply = messages.getByRole('listitem').filter({ hasText: 'You can pick it up tomorrow.' });
    await expect(reply).toContainText(/Sent|Delivered/, { timeout: 30_000 });
    await expect(alexRow).not.toContainText(/left|Due|Overdue/);

    // The patient's phone gets it and reads it; the clinician sees "Read".
    await expect.poll(async () => {
      await alex.device.sync();
      return alex.device.messages().filter((m) => m.body.includes('You can pick it up tomorrow.')).length;
    }, { timeout: 30_000 }).toBe(1);
    const received = alex.device.messages().find((m) => m.body.includes('You can pick it up tomorrow.'));
    await alex.device.markRead(received?.messageId ?? '');
    await expect(reply).toContainText('Read', { timeout: 45_000 });
    await shoot('inbox-thread-read-en');
    await checkA11y();

    // "Needs a visit" fills in the clinic's rule, to edit before sending.
    await page.getByRole('button', { name: 'Needs a visit' }).click();
    await expect(composer).toBeFocused();
    const visit = await composer.inputValue();
    expect(visit).toContain('visit or a phone call');
    expect(visit).toContain('613-555-0142');
    expect(visit).toContain('New or worsening symptoms; Test results that need an examination');
    expect(visit).toContain('call 911');
    await shoot('inbox-needs-visit-en');

    // A draft survives locking the app.
    await composer.fill('Draft: remember to ask about the dizziness.');
    await expect(page.getByText('Draft saved')).toBeVisible();
    await app.router.dispatch('session:lock', {}, { origin: app.origin });
    await expect(page.getByLabel('Passphrase', { exact: true })).toBeVisible();
    await unlockIfNeeded(page);
    await page.getByRole('tab', { name: 'Conversations' }).click();
    await expect(alexRow).toContainText('Draft');
    await alexRow.click();
    await expect(page.getByLabel('Message to Alex Martin')).toHaveValue('Draft: remember to ask about the dizziness.');

    // The front desk records a withdrawal: Camille's composer closes, with the reason.
    // (Main does not push a change for a consent yet: opening the conversation reads it afresh.)
    await setup.admin.call('consent:withdraw', { patientId: camille.id, reason: 'Prefers phone calls' });
    const blocked = page.getByRole('note').filter({ hasText: 'Messages cannot be sent to this patient' });
    await expect(async () => {
      await alexRow.click();
      await camilleRow.click();
      await expect(blocked).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 3, name: 'Camille Roy' })).toBeVisible();
    await expect(blocked).toContainText('withdrew their consent');
    await expect(camilleRow).toContainText('Consent withdrawn');
    await expect(page.getByLabel('Message to Camille Roy')).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeDisabled();
    await expect(camilleRow).not.toContainText('unread');
    await shoot('inbox-blocked-en');
    await checkA11y();

    // The same in French.
    await page.getByLabel('Language').selectOption('fr');
    const liste = page.getByRole('listbox', { name: 'Conversations' });
    await expect(page.getByRole('button', { name: 'À répondre' })).toBeVisible();
    await expect(page.getByText('Impossible d’envoyer des messages à ce patient')).toBeVisible();
    await expect(page.getByText('Le patient a retiré son consentement aux messages.', { exact: false })).toBeVisible();
    await shoot('inbox-blocked-fr');
    await liste.getByRole('option', { name: /Alex Martin/ }).click();
    const boite = page.getByLabel('Message à Alex Martin');
    await expect(boite).toHaveValue('Draft: remember to ask about the dizziness.');
    await boite.fill('');
    await page.getByRole('button', { name: 'Visite nécessaire' }).click();
    const visite = await boite.inputValue();
    expect(visite).toContain('visite ou d’un appel');
    expect(visite).toContain('au 613-555-0142');
    expect(visite).toContain('composez le 911');
    await expect(page.getByRole('region', { name: 'Messages avec Alex Martin' })).toContainText('Lu');
    await shoot('inbox-thread-fr');
    await page.getByLabel('Chercher une conversation').fill('Zzyzx');
    await expect(page.getByText('Aucune conversation ne correspond à « Zzyzx »')).toBeVisible();
    await shoot('inbox-no-match-fr');
    await page.getByLabel('Chercher une conversation').press('Escape');
    await expect(liste.getByRole('option')).toHaveCount(2);
    await shoot('inbox-list-fr');
    await checkA11y();
  } finally {
    await setup.close();
  }
});

type Dispatch = Harness['router']['dispatch'];

/** Five thousand conversations of every kind, as main would list them. */
function manyRows(now: number) {
  return Array.from({ length: 5000 }, (_, i) => {
    const waiting = i < 400;
    const state = i % 11 === 3 ? 'withdrawn' : i % 13 === 5 ? 'expired' : i % 17 === 7 ? 'none' : 'active';
    return {
      patientId: `p${String(i).padStart(5, '0')}`,
      name: i % 7 === 2 ? null : `Patient ${String(i + 1).padStart(4, '0')}`,
      dateOfBirth: i % 7 === 2 ? null : '1970-01-01',
      unread: i % 4 === 0 ? (i % 3) + 1 : 0,
      lastMessageAt: now - i * 600_000,
      preview: i % 2 ? 'Could you tell me whether the new dose should be taken with food or on an empty stomach?' : 'Thank you, see you on Thursday.',
      lastFromPatient: waiting || i % 2 === 1,
      needsAnswer: waiting,
      waitingSince: waiting ? now - (400 - i) * 3_600_000 : null,
      replyDueAt: waiting ? now + (i - 40) * 900_000 : null,
      replyStage: waiting ? (i < 40 ? ('overdue' as const) : i < 48 ? ('due-soon' as const) : ('on-time' as const)) : null,
      urgent: false,
      consent: { state, scopes: state === 'active' ? ['clinical', 'reminders'] : [], expiresAt: state === 'expired' ? now - 86_400_000 : null },
      enrolled: i % 19 !== 4,
      hasDraft: i % 9 === 1,
      assignedTo: null,
      coveredBy: null,
      mine: false,
    };
  });
}

function longThread(row: ReturnType<typeof manyRows>[number], now: number, before: string | undefined) {
  // 150 messages in all, oldest first; pages of 50 before a message id.
  const all = Array.from({ length: 150 }, (_, i) => ({
    messageId: `m${String(i).padStart(4, '0')}`,
    fromPatient: i % 2 === 0,
    urgent: false,
    outOfHours: null,
    mine: i % 4 === 1,
    body: i % 2 === 0 ? `Question number ${i + 1} from the patient.` : `Answer number ${i + 1} from the clinic.`,
    sentAt: now - (150 - i) * 3_600_000,
    state: i % 2 === 0 ? 'received' : i === 149 ? 'failed' : 'read',
    failure: i === 149 ? 'the patient’s consent changed' : null,
    sendAt: null,
    attachments: [],
  }));
  const end = before ? all.findIndex((m) => m.messageId === before) : all.length;
  const page = all.slice(Math.max(0, end - 50), end);
  return {
    conversation: row,
    messages: page,
    hasMore: end - 50 > 0,
    compose: { allowed: true, blockedBy: null },
    attachmentLimits: { types: ['image/jpeg', 'image/png', 'image/heic', 'application/pdf'], maxMegabytes: 10, perMessage: 3 },
    undoSendSeconds: 10,
    draft: '',
    team: [],
    now,
  };
}

test('urgent and late conversations stand out: first in the list, marked, and counted in the header', async ({ page, app, shoot, checkA11y }) => {
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  const clock = app.now as Clock;
  try {
    // A 2-hour promise, warned 1 hour before: the stages come within a morning.
    const { rules } = await setup.admin.call<{ rules: Rules }>('clinic:status');
    await setup.admin.call('clinic:update-rules', { rules: { ...rules, responseTimeBusinessHours: 2, replyWarningBusinessHours: 1 } });
    const cam = await enrolledPatient(setup, { givenName: 'Cam', familyName: 'Ng', dateOfBirth: '1990-01-01' });
    const alex = await enrolledPatient(setup, { givenName: 'Alex', familyName: 'Martin', dateOfBirth: '1980-04-02' });
    const bea = await enrolledPatient(setup, { givenName: 'Béatrice', familyName: 'Roy', dateOfBirth: '1975-11-30' });
    await cam.device.send('Could you send my vaccination record?');
    clock.advance(30 * 60_000);
    await alex.device.send('Is my appointment still on Thursday?');
    // Not caught in the portal (or sent anyway): the clinician's computer checks the text itself.
    await bea.device.send('I can’t breathe well and my lips look blue');
    // 2 h 10 after Cam wrote: Cam's answer is overdue, Alex's is due soon.
    clock.advance(100 * 60_000);

    await openInbox(page, app);
    const list = page.getByRole('listbox', { name: 'Conversations' });
    await expect(list.getByRole('option')).toHaveCount(3, { timeout: 30_000 });
    await expect(list.getByRole('option').first()).toContainText('Béatrice Roy');
    await expect(list.getByRole('option').first()).toContainText('Urgent');
    const attention = page.getByTestId('inbox-attention');
    await expect(attention).toContainText('Urgent: 1');
    // Alex and Béatrice wrote together: both answers are due soon (and Béatrice's is urgent too).
    await expect(attention).toContainText('Due soon: 2');
    await expect(attention).toContainText('Overdue: 1');
    await expect(list.getByRole('option', { name: /Cam Ng/ })).toContainText('Overdue by');
    await shoot('escalation-inbox-en');
    await checkA11y();
    await list.getByRole('option').first().click();
    await expect(page.getByText('Signs of an emergency: call the patient now')).toBeVisible();
    await shoot('triage-clinician-thread-en');
    await page.getByLabel('Language').selectOption('fr');
    await expect(page.getByTestId('inbox-attention')).toContainText('Urgents : 1');
    await expect(page.getByText('Signes d’urgence : appelez le patient maintenant')).toBeVisible();
    await shoot('escalation-inbox-fr');
  } finally {
    await setup.close();
  }
});

test('five thousand conversations and a long thread stay quick at 1024 × 700', async ({ page, app, shoot, checkA11y }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  try {
    const now = app.now();
    const rows = manyRows(now);
    const real: Dispatch = app.router.dispatch.bind(app.router);
    // Main's inbox answers are replaced with a large made-up clinic; everything else is real.
    app.router.dispatch = (async (channel: unknown, request: unknown, context: Parameters<Dispatch>[2]) => {
      const r = request as { query?: string; filter?: string; patientId?: string; before?: string };
      if (channel === 'inbox:list') {
        const query = (r.query ?? '').toLowerCase();
        const shown = rows.filter(
          (row) =>
            (r.filter !== 'needs-answer' || row.needsAnswer) && (r.filter !== 'unread' || row.unread > 0) && (!query || (row.name ?? '').toLowerCase().includes(query)),
        );
        const counts = { urgent: 0, dueSoon: rows.filter((x) => x.replyStage === 'due-soon').length, overdue: rows.filter((x) => x.replyStage === 'overdue').length, mine: 0, unassigned: rows.length };
        return { ok: true, value: { rows: shown, total: rows.length, counts, now: app.now() } };
      }
      if (channel === 'inbox:thread') {
        const row = rows.find((x) => x.patientId === r.patientId) ?? rows[0]!;
        return { ok: true, value: longThread({ ...row, unread: 0 }, app.now(), r.before) };
      }
      if (channel === 'inbox:mark-read') return { ok: true, value: { marked: 0 } };
      return real(channel, request, context);
    }) as Dispatch;

    await openInbox(page, app);
    const list = page.getByRole('listbox', { name: 'Conversations' });
    await expect(page.getByText('Conversations: 5000 of 5000')).toBeVisible();
    // Only the rows in view (and a few around them) are in the page.
    const rendered = await list.getByRole('option').count();
    expect(rendered).toBeGreaterThan(3);
    expect(rendered).toBeLessThan(40);
    await expect(list.getByRole('option').first()).toHaveAttribute('aria-setsize', '5000');
    await expect(list.getByRole('option', { name: /Patient not yet named \(ID p00002\)/ })).toBeVisible();
    await expect(list.getByRole('option').first()).toContainText(/Overdue by/);
    await shoot('inbox-many-1024-en');
    await checkA11y();

    // Scrolling from top to bottom: every step paints quickly and the DOM stays small.
    const frames = await list.evaluate(async (el) => {
      const times: number[] = [];
      let last = performance.now();
      for (let step = 0; step < 120; step++) {
        el.scrollTop += el.scrollHeight / 120;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const at = performance.now();
        times.push(at - last);
        last = at;
      }
      return { slowest: Math.max(...times), average: times.reduce((a, b) => a + b, 0) / times.length, options: el.querySelectorAll('[role="option"]').length };
    });
    expect(frames.options).toBeLessThan(40);
    expect(frames.average).toBeLessThan(100);

    // The keyboard reaches the end of the list and back, and keeps the row in view.
    await list.focus();
    await page.keyboard.press('End');
    const last = list.getByRole('option', { name: /Patient 5000/ });
    await expect(last).toBeInViewport();
    await expect(list).toHaveAttribute('aria-activedescendant', 'inbox-row-p04999');
    await page.keyboard.press('Home');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { level: 3 });
    await expect(heading).toBeFocused();

    // A long thread: the latest page first, earlier ones on request, the view kept in place.
    const region = page.getByRole('region', { name: /Messages with/ });
    await expect(region.getByRole('listitem')).toHaveCount(50);
    await expect(region.getByRole('listitem').last()).toContainText('Could not be sent: the patient’s consent changed');
    await expect(region.getByRole('listitem').last().getByRole('button', { name: 'Retry' })).toBeVisible();
    await expect(region.getByRole('listitem').filter({ hasText: 'Answer number 148' })).toContainText('Read');
    await expect(region.getByRole('listitem').filter({ hasText: 'Answer number 148' })).toContainText('The clinic (a colleague)');
    await shoot('inbox-long-thread-1024-en');
    await page.getByRole('button', { name: 'Show earlier messages' }).click();
    await expect(region.getByRole('listitem')).toHaveCount(100);
    // The message that was first on screen is still there: the earlier ones went above it.
    await expect(region.getByRole('listitem').filter({ hasText: 'Question number 101 from' })).toBeInViewport();
    await expect(region.getByRole('listitem').filter({ hasText: 'Question number 51 from' })).not.toBeInViewport();
    await page.getByRole('button', { name: 'Show earlier messages' }).click();
    await expect(region.getByRole('listitem')).toHaveCount(150);
    await expect(page.getByRole('button', { name: 'Show earlier messages' })).toHaveCount(0);

    // Escape goes back to the list.
    await page.keyboard.press('Escape');
    await expect(list).toBeFocused();
    await checkA11y();

    // The dark appearance keeps every state readable.
    await page.getByLabel('Appearance').selectOption('dark');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await shoot('inbox-long-thread-1024-dark');
    await checkA11y();
  } finally {
    await setup.close();
  }
});
