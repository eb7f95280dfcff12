// Runs anywhere: the consent text a patient reads and signs, generated from the clinic's
// stated rules (DOMAIN.md, "What a consent record holds": one section per clause, in order).
// Every value (phone, response time, hours, emergency, topics, purposes, retention, whether
// attachments are accepted) comes from `ClinicRules`, so the text cannot drift from the
// policy the patient agreed to. The output is deterministic: the same rules, versions,
// language and edits always give the same `text`, which is what gets hashed and printed.
//
// Reading level: short sentences, everyday words, "you" for the patient. The French is
// written for French readers, not translated word for word, but each section has the same
// bullets in both languages so a receipt or a side-by-side view lines up.
//
// A section is shown as: title, paragraphs, then bullets. A clinic's addition is one more
// paragraph, so it comes after the generated paragraphs and before the list; the paragraphs
// therefore refer to "the list below" rather than ending in a colon.
import { type ClinicRules } from '../protocol/clinic-rules';
import {
  type ConsentDocument,
  type ConsentLanguage,
  type ConsentSection,
  type ConsentSectionId,
  type ConsentTemplateEdits,
} from './types';
import { pick, clean } from './consent-format';
import { type Context, sections } from './consent-sections';

export { describeIdentityMethod, formatBusinessHours, formatResponseTime, scopeLabel } from './consent-format';

/** The section ids in the order they are shown and read aloud. */
export const consentSectionIds = [
  'purposes',
  'benefits',
  'risks',
  'safeguards',
  'response-time',
  'emergencies',
  'who-reads',
  'record-keeping',
  'your-part',
  'identity',
  'topics',
  'choices',
  'withdrawal',
  'decision-maker',
  'signature',
  'outside-scope',
] as const satisfies readonly ConsentSectionId[];

/** The longest paragraph a clinic may add to one section. */
export const MAX_EDIT_LENGTH = 2000;

export type ConsentTemplateOptions = {
  readonly language: ConsentLanguage;
  readonly policyVersion: number;
  readonly templateVersion: number;
  readonly edits?: ConsentTemplateEdits;
};

/** `p<policy>-t<template>-<language>`: the version a consent record cites. */
export function consentVersion(policyVersion: number, templateVersion: number, language: ConsentLanguage): string {
  return `p${policyVersion}-t${templateVersion}-${language}`;
}

// ---------------------------------------------------------------------------------------
// Small formatters, also used by the UI and the receipt.


/**
 * A clinic's extra paragraph(s) for a section: NFC, `\n` line ends, no trailing spaces, at
 * most one blank line in a row, trimmed. Empty → none. Longer than MAX_EDIT_LENGTH → RangeError.
 */
function editParagraphs(edit: string | undefined, id: ConsentSectionId): readonly string[] {
  if (edit === undefined) return [];
  const text = edit
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n')
    .trim();
  if (text.length === 0) return [];
  if (text.length > MAX_EDIT_LENGTH) throw new RangeError(`The clinic's addition to "${id}" is longer than ${MAX_EDIT_LENGTH} characters.`);
  return text.split(/\n{2,}/).map((p) => p.trim());
}

function checkVersion(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`The ${what} version is a whole number from 1.`);
}

/** The canonical plain text: title, then each section (title, paragraphs, "- " bullets), blank lines between. */
function canonicalText(title: string, parts: readonly ConsentSection[]): string {
  const blocks = [title];
  for (const section of parts) {
    blocks.push(section.title, ...section.paragraphs);
    if (section.bullets.length > 0) blocks.push(section.bullets.map((b) => `- ${b}`).join('\n'));
  }
  return `${blocks.join('\n\n')}\n`.normalize('NFC');
}

/** The consent text for `rules`, in one language, with the clinic's additions. Deterministic. */
export function buildConsentDocument(rules: ClinicRules, options: ConsentTemplateOptions): ConsentDocument {
  const { language, policyVersion, templateVersion } = options;
  if (language !== 'en' && language !== 'fr') throw new RangeError('The consent text is available in English and French only.');
  checkVersion(policyVersion, 'policy');
  checkVersion(templateVersion, 'template');
  const version = consentVersion(policyVersion, templateVersion, language);
  const context: Context = {
    l: (en, fr) => pick(language, en, fr).normalize('NFC'),
    language,
    rules,
    clinic: clean(rules.clinicName),
    phone: clean(rules.phone),
    emergencyNumber: clean(rules.emergency.number),
    department: clean(rules.emergency.nearestEmergencyDepartment),
    version,
  };
  const built: ConsentSection[] = consentSectionIds.map((id) => {
    const draft = sections[id](context);
    return Object.freeze({
      id,
      title: draft.title.normalize('NFC'),
      paragraphs: Object.freeze([...draft.paragraphs.map((p) => p.normalize('NFC')), ...editParagraphs(options.edits?.[id], id)]),
      bullets: Object.freeze(draft.bullets.map((b) => b.normalize('NFC'))),
    });
  });
  const title = pick(language, `Consent to secure messaging with ${context.clinic}`, `Consentement à la messagerie sécurisée avec ${context.clinic}`).normalize('NFC');
  return Object.freeze({
    language,
    policyVersion,
    templateVersion,
    version,
    title,
    sections: Object.freeze(built),
    text: canonicalText(title, built),
  });
}
