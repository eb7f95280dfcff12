// The IT admin who holds the clinic root edits the clinic's stated rules in the real renderer
// against the real main services: a refused value saves nothing; a good change publishes a
// new policy, and a consent addition a new template version the consent text shows at once.
import { expect, test } from './fixtures';
import type { Harness } from './harness';
import { clinicDetails } from '../support/clinic-details';

type Rules = {
  phone: string;
  responseTimeBusinessHours: number;
  businessHours: Record<string, { opens: string; closes: string }[]>;
  holidays: string[];
  consentText: { templateVersion: number; edits: { en: Record<string, string>; fr: Record<string, string> } };
};
type Template = { document: { policyVersion: number; templateVersion: number; text: string } };

async function dispatch<T>(app: Harness, channel: string, request: unknown = {}): Promise<T> {
  const result = await app.router.dispatch(channel, request, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}`);
  return result.value as T;
}
const rulesOf = async (app: Harness) => (await dispatch<{ rules: Rules }>(app, 'clinic:status')).rules;

const addition = 'Our nurses also answer questions about travel vaccines.';

test('the IT admin changes the clinic rules; a bad value saves nothing', async ({ page, app, shoot, checkA11y }) => {
  test.setTimeout(120_000);
  await dispatch(app, 'profiles:create', { displayName: 'Robin Admin', passphrase: 'copper lantern orbit meadow 47' });
  await dispatch(app, 'clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Family Clinic', yourName: 'Robin Admin', timeZone: 'America/Toronto', details: clinicDetails });
  const before = await dispatch<Template>(app, 'consent:template', { language: 'en' });

  await page.goto(app.url);
  await page.getByRole('tab', { name: 'Clinic rules' }).click();
  await expect(page.getByRole('heading', { name: 'Clinic rules' })).toBeVisible();
  await expect(page.getByLabel('Clinic name')).toHaveValue('Lakeside Family Clinic');
  await shoot('rules-form-en');

  // Refused values: no reply time, and Saturday closing before it opens.
  const saturday = page.getByRole('group', { name: 'Saturday' });
  await page.getByLabel('Reply within (business hours)').fill('0');
  await saturday.getByLabel('Open', { exact: true }).check();
  await saturday.getByLabel('Opens').fill('12:00');
  await saturday.getByLabel('Closes').fill('09:00');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(page.getByText('Enter a whole number from 1 to 240.')).toBeVisible();
  await expect(page.getByText('Closing time must be after opening time.')).toBeVisible();
  await expect(page.getByText('Nothing was saved.', { exact: false })).toBeVisible();
  await expect(page.getByLabel('Reply within (business hours)')).toBeFocused();
  await shoot('rules-error-en');
  await checkA11y();
  const unchanged = await rulesOf(app);
  expect(unchanged.responseTimeBusinessHours).toBe(16);
  expect(unchanged.businessHours.saturday).toEqual([]);
  expect(unchanged.consentText.templateVersion).toBe(1);

  // A good change, with the live preview following the reply time.
  await page.getByLabel('Phone number').fill('613-555-0142');
  const preview = page.getByTestId('reply-preview');
  await page.getByLabel('Reply within (business hours)').fill('24');
  await expect(preview).toHaveText('Patients will read: we reply within 24 business hours (hours when the clinic is open).');
  await page.getByLabel('Reply within (business hours)').fill('36');
  await expect(preview).toHaveText('Patients will read: we reply within 36 business hours (hours when the clinic is open).');
  await saturday.getByLabel('Open', { exact: true }).uncheck();
  await expect(saturday.getByLabel('Opens')).toBeDisabled();
  await saturday.getByLabel('Open', { exact: true }).check();
  await saturday.getByLabel('Opens').fill('09:00');
  await saturday.getByLabel('Closes').fill('12:00');
  await expect(page.getByText('Saturday, 9:00 to 12:00')).toBeVisible();
  await page.getByLabel('Holiday date').fill('2026-12-25');
  await page.getByRole('button', { name: 'Add holiday' }).click();
  await expect(page.getByRole('button', { name: /Remove Friday, December 25, 2026/ })).toBeVisible();
  await page.getByLabel('Part of the consent text').selectOption('purposes');
  await page.getByLabel('Paragraph in English').fill(addition);
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(page.getByText(`Rules saved; version ${before.document.policyVersion + 1}.`)).toBeVisible();
  await expect(page.getByText('Current consent text version: 2.')).toBeVisible();
  await shoot('rules-saved-en');

  const saved = await rulesOf(app);
  expect(saved.phone).toBe('613-555-0142');
  expect(saved.responseTimeBusinessHours).toBe(36);
  expect(saved.businessHours.saturday).toEqual([{ opens: '09:00', closes: '12:00' }]);
  expect(saved.businessHours.monday).toEqual([{ opens: '08:30', closes: '17:00' }]);
  expect(saved.holidays).toEqual(['2026-12-25']);
  expect(saved.consentText.templateVersion).toBe(2);
  expect(saved.consentText.edits.en).toEqual({ purposes: addition });

  const after = await dispatch<Template>(app, 'consent:template', { language: 'en' });
  expect(after.document.policyVersion).toBeGreaterThan(before.document.policyVersion);
  expect(after.document.templateVersion).toBe(2);
  expect(after.document.text).toContain('613-555-0142');
  expect(after.document.text).toContain(addition);

  // The same form in French.
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Règles de la clinique' })).toBeVisible();
  await expect(page.getByLabel('Numéro de téléphone')).toHaveValue('613-555-0142');
  await shoot('rules-form-fr');
});
