// Runs anywhere: the words and formats the consent text is made of (response times, opening
// hours, scope and identity labels, years), in English and French. Used by template.ts and
// consent-sections.ts.
import { type ClinicRules, type Weekday, weekdays } from '../protocol/clinic-rules';
import { type ConsentScope } from '../protocol/documents';
import {
  type ConsentLanguage,
  type IdentityMethod,
} from './types';

export const pick = (language: ConsentLanguage, en: string, fr: string): string => (language === 'en' ? en : fr);

/** A value from the rules on one line: NFC, runs of white space (newlines too) as one space. */
export function clean(value: string): string {
  return value.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * The promised response time in plain words. It is counted in opening hours only (the reply
 * clock counts the same way, `clinic-hours.ts`), so it is never restated in days: with
 * 8.5-hour days, 24 business hours are three days, not one.
 */
export function formatResponseTime(hours: number, language: ConsentLanguage): string {
  if (!Number.isInteger(hours) || hours < 1) throw new RangeError('The response time is a whole number of business hours, at least 1.');
  if (language === 'en') return `within ${hours} business ${hours === 1 ? 'hour' : 'hours'} (hours when the clinic is open)`;
  // Always with digits, even for 1: the patient should see the number the clinic promised.
  return `dans un délai de ${hours} ${hours === 1 ? 'heure ouvrable' : 'heures ouvrables'} (heures d’ouverture de la clinique)`;
}

export const dayNames: Record<ConsentLanguage, Record<Weekday, string>> = {
  en: { monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday' },
  fr: { monday: 'lundi', tuesday: 'mardi', wednesday: 'mercredi', thursday: 'jeudi', friday: 'vendredi', saturday: 'samedi', sunday: 'dimanche' },
};

/** "08:30" → "8:30" (en) or "8 h 30" (fr); "17:00" → "17:00" or "17 h". */
export function formatTime(time: string, language: ConsentLanguage): string {
  const [h = '0', m = '00'] = time.split(':');
  const hour = String(Number(h));
  if (language === 'en') return `${hour}:${m}`;
  return m === '00' ? `${hour} h` : `${hour} h ${m}`;
}

/** A value from the rules at the end of a sentence: one final full stop, not two. */
export const endSentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The opening hours, one line per run of consecutive days with the same hours, Monday first:
 * "Monday to Friday, 8:30 to 17:00", "Saturday and Sunday, closed". Holidays are not listed
 * here; the consent text mentions them generally.
 */
export function formatBusinessHours(rules: Pick<ClinicRules, 'businessHours'>, language: ConsentLanguage): readonly string[] {
  const keyOf = (day: Weekday) => rules.businessHours[day].map((h) => `${h.opens}-${h.closes}`).join(',');
  const runs: { first: Weekday; last: Weekday; count: number; key: string }[] = [];
  for (const day of weekdays) {
    const key = keyOf(day);
    const run = runs.at(-1);
    if (run && run.key === key) {
      run.last = day;
      run.count += 1;
    } else runs.push({ first: day, last: day, count: 1, key });
  }
  const names = dayNames[language];
  return runs.map((run) => {
    const hours = rules.businessHours[run.first];
    if (language === 'en') {
      const days = run.count === 1 ? names[run.first] : `${names[run.first]} ${run.count === 2 ? 'and' : 'to'} ${names[run.last]}`;
      if (hours.length === 0) return `${days}, closed`;
      return `${days}, ${hours.map((h) => `${formatTime(h.opens, 'en')} to ${formatTime(h.closes, 'en')}`).join(' and ')}`;
    }
    const days =
      run.count === 1
        ? capitalise(names[run.first])
        : run.count === 2
          ? `${capitalise(names[run.first])} et ${names[run.last]}`
          : `Du ${names[run.first]} au ${names[run.last]}`;
    if (hours.length === 0) return `${days} : fermé`;
    return `${days} : ${hours.map((h) => `de ${formatTime(h.opens, 'fr')} à ${formatTime(h.closes, 'fr')}`).join(' et ')}`;
  });
}

export const scopeLabels: Record<ConsentLanguage, Record<ConsentScope, string>> = {
  en: { clinical: 'Messages about your care', reminders: 'Appointment reminders', newsletters: 'General health newsletters', attachments: 'Photos and attachments' },
  fr: { clinical: 'Messages sur vos soins', reminders: 'Rappels de rendez-vous', newsletters: 'Bulletins de santé générale', attachments: 'Photos et pièces jointes' },
};

/** A short label for one consent choice, for the UI and the receipt. */
export function scopeLabel(scope: ConsentScope, language: ConsentLanguage): string {
  return scopeLabels[language][scope];
}

export const identityLabels: Record<ConsentLanguage, Record<IdentityMethod, string>> = {
  en: {
    'photo-id': 'Photo ID shown at the front desk',
    'health-card': 'Health card shown at the front desk',
    'known-patient': 'Known in person to the clinic staff',
    other: 'Another way, written down by the staff member',
  },
  fr: {
    'photo-id': 'Pièce d’identité avec photo présentée à l’accueil',
    'health-card': 'Carte d’assurance maladie présentée à l’accueil',
    'known-patient': 'Personne bien connue du personnel de la clinique',
    other: 'Autre moyen, noté par le membre du personnel',
  },
};

/** How the patient's identity was checked, in a short phrase for the UI and the receipt. */
export function describeIdentityMethod(method: IdentityMethod, language: ConsentLanguage): string {
  return identityLabels[language][method];
}

export function formatYears(years: number, language: ConsentLanguage): string {
  if (language === 'en') return `${years} ${years === 1 ? 'year' : 'years'}`;
  return `${years} ${years === 1 ? 'an' : 'ans'}`;
}
