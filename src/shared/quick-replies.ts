// Runs anywhere: the clinic's quick replies (issue "the care team's day", part 2). They are
// part of the signed rules, in English and French, with placeholders the composer fills
// from the patient and the clinic: {firstName}, {clinicPhone}, {replyTime}, {nextOpening},
// {emergencyNumber}.
// A placeholder without a value, or one the app does not know, blocks the text: a patient
// never receives literal braces.
import { z } from 'zod';

export const quickReplyPlaceholders = ['firstName', 'clinicPhone', 'replyTime', 'nextOpening', 'emergencyNumber'] as const;
export type QuickReplyPlaceholder = (typeof quickReplyPlaceholders)[number];

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]{0,39})\}/g;

const replyText = z.strictObject({ title: z.string().trim().min(1).max(80), body: z.string().trim().min(1).max(2000) });

export const quickReplySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  en: replyText,
  fr: replyText,
});
export type QuickReply = z.infer<typeof quickReplySchema>;

export const quickRepliesSchema = z
  .array(quickReplySchema)
  .max(30)
  .refine((replies) => new Set(replies.map((r) => r.id)).size === replies.length, 'each reply id once');

/** What a new clinic starts with; the IT admin edits them. `limits` restates the consent's clause on what messaging is for. */
export const defaultQuickReplies: readonly QuickReply[] = [
  {
    id: 'needs-visit',
    en: {
      title: 'Needs a visit',
      body: 'Hello {firstName}, thank you for your message. This is something we need to look at with you in person or by phone, not by message. Please call the clinic at {clinicPhone} to book a time. If it gets worse, do not wait for a reply.',
    },
    fr: {
      title: 'Demande une visite',
      body: 'Bonjour {firstName}, merci de votre message. C’est une question à voir avec vous en personne ou par téléphone, et non par message. Appelez la clinique au {clinicPhone} pour prendre rendez-vous. Si cela s’aggrave, n’attendez pas de réponse.',
    },
  },
  {
    id: 'call-clinic',
    en: {
      title: 'Please call the clinic',
      body: 'Hello {firstName}, could you call us at {clinicPhone}? It will be quicker to sort this out together by phone. The clinic takes calls {nextOpening}.',
    },
    fr: {
      title: 'Merci d’appeler la clinique',
      body: 'Bonjour {firstName}, pourriez-vous nous appeler au {clinicPhone} ? Ce sera plus simple de régler cela ensemble au téléphone. La clinique répond au téléphone {nextOpening}.',
    },
  },
  {
    id: 'limits',
    en: {
      title: 'What messaging is for',
      body: 'Hello {firstName}, a reminder of how this messaging works: we reply {replyTime}, it is not for emergencies (call {emergencyNumber} or go to the emergency department), and some questions need a visit or a call. For this one, please call us at {clinicPhone}.',
    },
    fr: {
      title: 'À quoi sert la messagerie',
      body: 'Bonjour {firstName}, un rappel sur cette messagerie : nous répondons {replyTime}, elle ne sert pas aux urgences (composez le {emergencyNumber} ou allez à l’urgence) et certaines questions demandent une visite ou un appel. Pour celle-ci, appelez-nous au {clinicPhone}.',
    },
  },
];

/** The placeholders a text uses, in order of first use. */
export function placeholdersIn(text: string): string[] {
  const seen: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    if (!seen.includes(name)) seen.push(name);
  }
  return seen;
}

export type FilledReply =
  | { readonly ok: true; readonly text: string }
  /** `missing`: known placeholders without a value now; `unknown`: names the app does not fill. */
  | { readonly ok: false; readonly missing: readonly QuickReplyPlaceholder[]; readonly unknown: readonly string[] };

const isKnown = (name: string): name is QuickReplyPlaceholder => (quickReplyPlaceholders as readonly string[]).includes(name);

/** Fills a reply's placeholders; refuses when any is unknown or has no value (blank counts as none). */
export function fillQuickReply(body: string, values: Partial<Record<QuickReplyPlaceholder, string | null>>): FilledReply {
  const names = placeholdersIn(body);
  const unknown = names.filter((name) => !isKnown(name));
  const missing = names.filter(isKnown).filter((name) => !(values[name] ?? '').trim());
  if (unknown.length > 0 || missing.length > 0) return { ok: false, missing, unknown };
  return { ok: true, text: body.replace(PLACEHOLDER, (_all, name: string) => (values[name as QuickReplyPlaceholder] ?? '').trim()) };
}

/** Fills the placeholders that have a value and leaves the others, for the clinician to see and replace. */
export function fillKnownPlaceholders(body: string, values: Partial<Record<QuickReplyPlaceholder, string | null>>): string {
  return body.replace(PLACEHOLDER, (all, name: string) => {
    const value = isKnown(name) ? (values[name] ?? '').trim() : '';
    return value === '' ? all : value;
  });
}

/** The quick-reply placeholders a text still holds (what blocks a send). */
export const placeholdersLeft = (text: string): QuickReplyPlaceholder[] => placeholdersIn(text).filter(isKnown);

/** Whether a text about to be sent still holds a placeholder of a quick reply (main refuses it). */
export const holdsPlaceholder = (text: string): boolean => placeholdersIn(text).some(isKnown);
