import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { type ClinicRules, clinicRulesSchema, defaultClinicRules, weekdays } from '../protocol/clinic-rules';
import { consentScopes } from '../protocol/documents';
import {
  buildConsentDocument,
  consentSectionIds,
  describeIdentityMethod,
  formatBusinessHours,
  formatResponseTime,
  MAX_EDIT_LENGTH,
  scopeLabel,
} from './template';
import { type ConsentDocument, type ConsentLanguage, type ConsentSectionId, identityMethods } from './types';

const languages: readonly ConsentLanguage[] = ['en', 'fr'];

function rules(overrides: Partial<ClinicRules> = {}): ClinicRules {
  return clinicRulesSchema.parse({
    ...defaultClinicRules('Riverside Family Practice', 'America/Toronto'),
    phone: '555-0100',
    emergency: { number: '911', nearestEmergencyDepartment: 'Riverside General Hospital, 12 King Street', otherAdvice: 'Call the nurse line at 811.' },
    ...overrides,
  });
}

const build = (r: ClinicRules, language: ConsentLanguage, extra: Partial<Parameters<typeof buildConsentDocument>[1]> = {}) =>
  buildConsentDocument(r, { language, policyVersion: 3, templateVersion: 1, ...extra });

function section(doc: ConsentDocument, id: ConsentSectionId): string {
  const s = doc.sections.find((x) => x.id === id);
  if (!s) throw new Error(`missing section ${id}`);
  return [s.title, ...s.paragraphs, ...s.bullets].join('\n');
}

describe('consent template: structure', () => {
  it.each(languages)('has the 16 sections in order, each with a title and some text (%s)', (language) => {
    const doc = build(rules(), language);
    expect(doc.sections.map((s) => s.id)).toEqual([...consentSectionIds]);
    expect(consentSectionIds).toHaveLength(16);
    for (const s of doc.sections) {
      expect(s.title.length).toBeGreaterThan(0);
      expect(s.paragraphs.length).toBeGreaterThan(0);
    }
  });

  it('cites the version and localises the title', () => {
    const en = build(rules(), 'en', { policyVersion: 7, templateVersion: 2 });
    const fr = build(rules(), 'fr', { policyVersion: 7, templateVersion: 2 });
    expect(en.version).toBe('p7-t2-en');
    expect(fr.version).toBe('p7-t2-fr');
    expect(en.title).toContain('Riverside Family Practice');
    expect(fr.title).toContain('Riverside Family Practice');
    expect(en.title).not.toBe(fr.title);
    expect(en.text).toContain('p7-t2-en');
    expect([en.language, en.policyVersion, en.templateVersion]).toEqual(['en', 7, 2]);
  });

  it('writes the canonical text: title, sections, "- " bullets, blank lines, no trailing spaces, NFC, one final newline', () => {
    const doc = build(rules(), 'fr');
    expect(doc.text.startsWith(`${doc.title}\n\n`)).toBe(true);
    expect(doc.text.endsWith('\n')).toBe(true);
    expect(doc.text.endsWith('\n\n')).toBe(false);
    expect(doc.text).not.toMatch(/[ \t]+$/m);
    expect(doc.text).not.toContain('\r');
    expect(doc.text).not.toMatch(/\n{3,}/);
    expect(doc.text.normalize('NFC')).toBe(doc.text);
    let from = 0;
    for (const s of doc.sections) {
      const at = doc.text.indexOf(`\n\n${s.title}\n\n`, from);
      expect(at).toBeGreaterThan(from - 1);
      from = at + 1;
      for (const b of s.bullets) expect(doc.text).toContain(`\n- ${b}`);
      for (const p of s.paragraphs) expect(doc.text).toContain(`\n\n${p}\n`);
    }
  });

  it('is deterministic', () => {
    const edits = { risks: 'Our Wi-Fi is for visitors only.' };
    expect(build(rules(), 'en', { edits })).toEqual(build(rules(), 'en', { edits }));
    expect(build(rules(), 'fr').text).toBe(build(structuredClone(rules()), 'fr').text);
  });

  it('gives English and French with the same sections and the same bullet counts, but different words', () => {
    const r = rules({ businessHours: { ...rules().businessHours, saturday: [{ opens: '09:00', closes: '12:00' }] } });
    const en = build(r, 'en');
    const fr = build(r, 'fr');
    expect(fr.sections.map((s) => s.id)).toEqual(en.sections.map((s) => s.id));
    expect(fr.sections.map((s) => s.bullets.length)).toEqual(en.sections.map((s) => s.bullets.length));
    expect(fr.sections.map((s) => s.paragraphs.length)).toEqual(en.sections.map((s) => s.paragraphs.length));
    en.sections.forEach((s, i) => expect(fr.sections[i]!.title).not.toBe(s.title));
    expect(fr.text).not.toBe(en.text);
  });

  it('refuses versions that are not whole numbers from 1, and unknown languages', () => {
    expect(() => build(rules(), 'en', { policyVersion: 0 })).toThrow(RangeError);
    expect(() => build(rules(), 'en', { templateVersion: 1.5 })).toThrow(RangeError);
    expect(() => build(rules(), 'de' as ConsentLanguage)).toThrow(RangeError);
  });
});

describe('consent template: every clause of DOMAIN.md', () => {
  const r = rules();
  const en = build(r, 'en');
  const fr = build(r, 'fr');

  it('1. purposes, the only channel, and what it must never be used for', () => {
    const s = section(en, 'purposes');
    for (const p of r.purposes) expect(s).toContain(p);
    expect(s).toMatch(/never use it for an emergency/i);
    expect(s).toMatch(/harming yourself or someone else/);
    expect(s).toMatch(/severe reaction to a medicine/);
    expect(s).toMatch(/social media/);
    expect(section(fr, 'purposes')).toMatch(/jamais pour une urgence/);
  });

  it('2. benefits: convenience and a written record', () => {
    expect(section(en, 'benefits')).toMatch(/when it suits you/);
    expect(section(en, 'benefits')).toMatch(/written answer/);
    expect(section(fr, 'benefits')).toMatch(/réponse écrite/);
  });

  it('3. risks: interception, wrong person, surviving copies, shared or employer devices, loss, evidence', () => {
    const s = section(en, 'risks');
    for (const word of [/intercept/, /wrong person/, /forwarded/, /after it is deleted/, /shared computer/, /employer/, /lost or stolen/, /evidence/]) expect(s).toMatch(word);
    expect(section(fr, 'risks')).toMatch(/employeur/);
  });

  it('4. safeguards and their limits, from the security rules', () => {
    const s = section(en, 'safeguards');
    expect(s).toMatch(/encrypted/);
    expect(s).toMatch(/reasonable steps/);
    expect(s).toMatch(/cannot promise/);
    expect(s).toContain(`after ${r.security.idleLockMinutes} minutes`);
    expect(s).toMatch(/never show who wrote/);
    expect(section(build(rules({ security: { ...r.security, notificationPreview: 'sender-and-text', idleLockMinutes: 1 } }), 'en'), 'safeguards')).toMatch(
      /after 1 minute without.*[\s\S]*start of the message/,
    );
    expect(section(fr, 'safeguards')).toMatch(/ne peut pas garantir/);
  });

  it('5. response time in business hours (opening hours only), the opening hours, holidays, and not waiting when urgent', () => {
    const s = section(en, 'response-time');
    expect(s).toContain('within 16 business hours (hours when the clinic is open)');
    expect(s).toContain('Monday to Friday, 8:30 to 17:00');
    expect(s).toContain('Saturday and Sunday, closed');
    expect(s).toMatch(/public holidays/);
    expect(s).toMatch(/do not wait for an answer/);
    expect(s).toContain('555-0100');
    const f = section(fr, 'response-time');
    expect(f).toContain('dans un délai de 16 heures ouvrables (heures d’ouverture de la clinique)');
    expect(f).toContain('Du lundi au vendredi : de 8 h 30 à 17 h');
    expect(f).toMatch(/jours fériés/);
    expect(section(build(rules({ responseTimeBusinessHours: 4 }), 'en'), 'response-time')).toContain('within 4 business hours');
  });

  it('6. emergencies: the emergency number, the emergency department, the clinic phone and other advice', () => {
    for (const doc of [en, fr]) {
      const s = section(doc, 'emergencies');
      expect(s).toContain('911');
      expect(s).toContain('Riverside General Hospital, 12 King Street');
      expect(s).toContain('555-0100');
      expect(s).toContain('Call the nurse line at 811.');
    }
    const without = build(rules({ emergency: { number: '112', nearestEmergencyDepartment: 'Hôpital Nord' } }), 'en');
    expect(section(without, 'emergencies')).toContain('112');
    expect(section(without, 'emergencies').split('\n')).toHaveLength(section(en, 'emergencies').split('\n').length - 1);
  });

  it('7. the care team and covering staff read messages, not one clinician; never the front desk', () => {
    const s = section(en, 'who-reads');
    expect(s).toMatch(/care team/);
    expect(s).toMatch(/not to just one person/);
    expect(s).toMatch(/step in when your usual care team is away/);
    expect(s).toMatch(/Front-desk staff never read your messages/);
    expect(section(fr, 'who-reads')).toMatch(/accueil ne lit jamais/);
  });

  it('8. messages join the clinical record, kept for the retention period; deleting does not delete; legal process', () => {
    const s = section(en, 'record-keeping');
    expect(s).toMatch(/clinical record/);
    expect(s).toContain('for 10 years');
    expect(s).toMatch(/does not delete the clinic’s copy/);
    expect(s).toMatch(/legal process/);
    expect(section(fr, 'record-keeping')).toContain('pendant 10 ans');
    const one = rules({ security: { ...r.security, retentionYears: 1 } });
    expect(section(build(one, 'en'), 'record-keeping')).toContain('for 1 year,');
    expect(section(build(one, 'fr'), 'record-keeping')).toContain('pendant 1 an,');
  });

  it('9. the patient’s part: device and passphrase, no shared or work computers, contact details, clarity, one topic', () => {
    const s = section(en, 'your-part');
    for (const word of [/passphrase/, /shared computer/, /from your work/, /address changes/, /Write clearly/, /one topic/]) expect(s).toMatch(word);
  });

  it('10. identity: each way it may be checked, and re-verification later', () => {
    for (const language of languages) {
      const s = section(build(r, language), 'identity');
      for (const m of identityMethods) expect(s).toContain(describeIdentityMethod(m, language));
    }
    expect(section(en, 'identity')).toMatch(/check again later/);
  });

  it('11. in-person topics from the rules, and topics the patient leaves out', () => {
    const s = section(en, 'topics');
    for (const t of r.inPersonTopics) expect(s).toContain(t);
    expect(s).toMatch(/do not want to discuss by message/);
    const none = build(rules({ inPersonTopics: [] }), 'en');
    expect(none.sections.find((x) => x.id === 'topics')!.bullets).toEqual([]);
    expect(section(none, 'topics')).toMatch(/care team will tell you/);
  });

  it('12. separate choices for each scope; photos only with written permission; whether attachments are accepted', () => {
    for (const language of languages) {
      const doc = build(r, language);
      const choices = doc.sections.find((x) => x.id === 'choices')!;
      expect(choices.bullets).toHaveLength(consentScopes.length);
      consentScopes.forEach((scope, i) => expect(choices.bullets[i]!.startsWith(scopeLabel(scope, language))).toBe(true));
    }
    expect(section(en, 'choices')).toMatch(/only with your written permission/);
    expect(section(fr, 'choices')).toMatch(/permission écrite/);
    expect(section(en, 'choices')).toMatch(/does not accept photos or files/);
    const accepts = build(rules({ security: { ...r.security, patientAttachments: true } }), 'en');
    expect(section(accepts, 'choices')).not.toMatch(/does not accept photos/);
    expect(section(accepts, 'choices')).toMatch(/accepts photos and files from patients only if you say yes/);
  });

  it('13. withdrawal at any time, how, and existing messages stay in the record', () => {
    const s = section(en, 'withdrawal');
    expect(s).toMatch(/at any time/);
    expect(s).toContain('555-0100');
    expect(s).toMatch(/stay in your clinical record/);
    expect(section(fr, 'withdrawal')).toMatch(/restent dans votre dossier/);
  });

  it('14. substitute decision-makers and minors', () => {
    const s = section(en, 'decision-maker');
    expect(s).toMatch(/on their behalf/);
    expect(s).toMatch(/child/);
    expect(s).toMatch(/substitute decision-maker/);
  });

  it('15. signature drawn or typed, date, witness, and the exact version of the text', () => {
    const s = section(en, 'signature');
    for (const word of [/drawing your signature/, /typing your name/, /witness/, /date/]) expect(s).toMatch(word);
    expect(s).toContain('p3-t1-en');
    expect(section(fr, 'signature')).toContain('p3-t1-fr');
  });

  it('16. outside the agreed scope: the first answer restates the limits', () => {
    expect(section(en, 'outside-scope')).toMatch(/first answer will remind you of these limits/);
    expect(section(fr, 'outside-scope')).toMatch(/première réponse vous rappellera ces limites/);
  });
});

describe('consent template: clinic edits', () => {
  it('appends a trimmed paragraph to its section and changes nothing else', () => {
    const base = build(rules(), 'en');
    const edited = build(rules(), 'en', { templateVersion: 2, edits: { emergencies: '  Our building has a defibrillator at the entrance.  \r\n', risks: '   ' } });
    expect(edited.version).toBe('p3-t2-en');
    expect(edited.version).not.toBe(base.version);
    const e = edited.sections.find((s) => s.id === 'emergencies')!;
    expect(e.paragraphs.at(-1)).toBe('Our building has a defibrillator at the entrance.');
    expect(edited.sections.find((s) => s.id === 'risks')).toEqual(base.sections.find((s) => s.id === 'risks'));
    base.sections.forEach((s, i) => {
      const after = edited.sections[i]!;
      expect(after.bullets).toEqual(s.bullets);
      expect(after.paragraphs.slice(0, s.paragraphs.length)).toEqual(s.paragraphs.map((p) => p.replace('p3-t1-en', 'p3-t2-en')));
    });
  });

  it('keeps multi-paragraph edits canonical and refuses edits over the limit', () => {
    const doc = build(rules(), 'fr', { edits: { topics: 'Premier point.  \n\n\n\nSecond point.\t' } });
    expect(doc.sections.find((s) => s.id === 'topics')!.paragraphs.slice(-2)).toEqual(['Premier point.', 'Second point.']);
    expect(doc.text).not.toMatch(/[ \t]+$/m);
    expect(() => build(rules(), 'en', { edits: { risks: 'x'.repeat(MAX_EDIT_LENGTH) } })).not.toThrow();
    expect(() => build(rules(), 'en', { edits: { risks: 'x'.repeat(MAX_EDIT_LENGTH + 1) } })).toThrow(RangeError);
  });

  it('never removes a generated clause, whatever the edits', () => {
    const sectionArb = fc.constantFrom(...consentSectionIds);
    fc.assert(
      fc.property(fc.dictionary(sectionArb, fc.string({ maxLength: 300 })), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(...languages), (edits, templateVersion, language) => {
        const base = build(rules(), language);
        const edited = build(rules(), language, { edits, templateVersion });
        expect(edited.sections.map((s) => s.id)).toEqual(base.sections.map((s) => s.id));
        base.sections.forEach((s, i) => {
          const after = edited.sections[i]!;
          expect(after.title).toBe(s.title);
          expect(after.bullets).toEqual(s.bullets);
          expect(after.paragraphs.slice(0, s.paragraphs.length)).toEqual(s.paragraphs.map((p) => p.replace(/p3-t1-/, `p3-t${templateVersion}-`)));
          for (const b of s.bullets) expect(edited.text).toContain(`- ${b}`);
        });
        expect(edited.text).not.toMatch(/[ \t]+$/m);
        expect(edited.text.normalize('NFC')).toBe(edited.text);
      }),
      { numRuns: 60 },
    );
  });
});

describe('consent template: formatters', () => {
  it('says the response time in plain words', () => {
    // Never restated in days: a business day is the clinic's opening hours, not 24 hours.
    expect(formatResponseTime(48, 'en')).toBe('within 48 business hours (hours when the clinic is open)');
    expect(formatResponseTime(1, 'en')).toBe('within 1 business hour (hours when the clinic is open)');
    expect(formatResponseTime(24, 'fr')).toBe('dans un délai de 24 heures ouvrables (heures d’ouverture de la clinique)');
    expect(formatResponseTime(1, 'fr')).toBe('dans un délai de 1 heure ouvrable (heures d’ouverture de la clinique)');
    expect(() => formatResponseTime(0, 'en')).toThrow(RangeError);
  });

  it('groups consecutive days with the same hours', () => {
    const split = [
      { opens: '08:00', closes: '12:00' },
      { opens: '13:00', closes: '16:30' },
    ];
    const r = rules({
      businessHours: { monday: split, tuesday: split, wednesday: [], thursday: split, friday: [{ opens: '09:05', closes: '17:00' }], saturday: [], sunday: [] },
    });
    expect(formatBusinessHours(r, 'en')).toEqual([
      'Monday and Tuesday, 8:00 to 12:00 and 13:00 to 16:30',
      'Wednesday, closed',
      'Thursday, 8:00 to 12:00 and 13:00 to 16:30',
      'Friday, 9:05 to 17:00',
      'Saturday and Sunday, closed',
    ]);
    expect(formatBusinessHours(r, 'fr')).toEqual([
      'Lundi et mardi : de 8 h à 12 h et de 13 h à 16 h 30',
      'Mercredi : fermé',
      'Jeudi : de 8 h à 12 h et de 13 h à 16 h 30',
      'Vendredi : de 9 h 05 à 17 h',
      'Samedi et dimanche : fermé',
    ]);
    expect(formatBusinessHours(rules(), 'en')).toEqual(['Monday to Friday, 8:30 to 17:00', 'Saturday and Sunday, closed']);
  });

  it('labels every scope and identity method in both languages, differently', () => {
    for (const scope of consentScopes) expect(scopeLabel(scope, 'en')).not.toBe(scopeLabel(scope, 'fr'));
    for (const m of identityMethods) expect(describeIdentityMethod(m, 'en')).not.toBe(describeIdentityMethod(m, 'fr'));
    expect(scopeLabel('attachments', 'en')).toMatch(/Photo/);
  });
});

// ---------------------------------------------------------------------------------------
// Property: whatever the clinic's rules, the text carries the current values.

const word = fc.stringMatching(/^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9'-]{0,11}$/);
const phrase = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(' '));
const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => h * 60 + m);
const pad = (n: number) => String(n).padStart(2, '0');
const asTime = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const day = fc.oneof(
  fc.constant([] as { opens: string; closes: string }[]),
  fc.tuple(hhmm, hhmm).filter(([a, b]) => a !== b).map(([a, b]) => [{ opens: asTime(Math.min(a, b)), closes: asTime(Math.max(a, b)) }]),
);
const rulesArb: fc.Arbitrary<ClinicRules> = fc
  .record({
    clinicName: phrase,
    phone: fc.stringMatching(/^\+?[0-9]{3}([ -]?[0-9]{2,4}){1,3}$/),
    responseTimeBusinessHours: fc.integer({ min: 1, max: 240 }),
    number: fc.stringMatching(/^[0-9]{2,4}$/),
    department: phrase,
    otherAdvice: fc.option(phrase, { nil: undefined }),
    inPersonTopics: fc.uniqueArray(phrase, { maxLength: 6 }),
    purposes: fc.uniqueArray(phrase, { minLength: 1, maxLength: 6 }),
    retentionYears: fc.integer({ min: 1, max: 100 }),
    hours: fc.tuple(day, day, day, day, day, day, day),
    patientAttachments: fc.boolean(),
  })
  .map((v) => {
    const base = defaultClinicRules(v.clinicName);
    return clinicRulesSchema.parse({
      ...base,
      phone: v.phone,
      responseTimeBusinessHours: v.responseTimeBusinessHours,
      businessHours: Object.fromEntries(weekdays.map((d, i) => [d, v.hours[i]])),
      emergency: { number: v.number, nearestEmergencyDepartment: v.department, ...(v.otherAdvice ? { otherAdvice: v.otherAdvice } : {}) },
      inPersonTopics: v.inPersonTopics,
      purposes: v.purposes,
      security: { ...base.security, retentionYears: v.retentionYears, patientAttachments: v.patientAttachments },
    });
  });

/** The time as a patient reads it, computed independently of the template. */
function spokenTime(time: string, language: ConsentLanguage): string {
  const [h, m] = time.split(':') as [string, string];
  if (language === 'en') return `${Number(h)}:${m}`;
  return m === '00' ? `${Number(h)} h` : `${Number(h)} h ${m}`;
}

describe('consent template: the text always carries the current policy values', () => {
  it('for any valid rules, in both languages', () => {
    fc.assert(
      fc.property(rulesArb, (r) => {
        for (const language of languages) {
          const doc = build(r, language);
          const { text } = doc;
          expect(text).toContain(r.clinicName);
          expect(text).toContain(r.phone);
          expect(text).toContain(r.emergency.number);
          expect(section(doc, 'emergencies')).toContain(r.emergency.number);
          expect(section(doc, 'emergencies')).toContain(r.emergency.nearestEmergencyDepartment);
          if (r.emergency.otherAdvice) expect(section(doc, 'emergencies')).toContain(r.emergency.otherAdvice);
          const h = r.responseTimeBusinessHours;
          expect(section(doc, 'response-time')).toContain(formatResponseTime(h, language));
          expect(text).toMatch(new RegExp(`\\b${h} (business hours?|heures? ouvrables?)`));
          for (const t of r.inPersonTopics) expect(section(doc, 'topics')).toContain(t);
          for (const p of r.purposes) expect(section(doc, 'purposes')).toContain(p);
          expect(section(doc, 'record-keeping')).toMatch(new RegExp(`\\b${r.security.retentionYears} (years?|ans?)\\b`));
          const hoursSection = doc.sections.find((s) => s.id === 'response-time')!;
          expect(hoursSection.bullets).toEqual(formatBusinessHours(r, language));
          for (const d of weekdays) {
            for (const interval of r.businessHours[d]) {
              expect(section(doc, 'response-time')).toContain(spokenTime(interval.opens, language));
              expect(section(doc, 'response-time')).toContain(spokenTime(interval.closes, language));
            }
          }
          const openDays = weekdays.filter((d) => r.businessHours[d].length > 0).length;
          if (openDays < 7) expect(section(doc, 'response-time')).toMatch(language === 'en' ? /closed/ : /fermé/);
          const attachments = {
            en: r.security.patientAttachments ? /accepts photos and files/ : /does not accept photos/,
            fr: r.security.patientAttachments ? /accepte des photos/ : /n’accepte pas de photos/,
          };
          expect(section(doc, 'choices')).toMatch(attachments[language]);
          expect(text).not.toMatch(/[ \t]+$/m);
        }
        const en = build(r, 'en');
        const fr = build(r, 'fr');
        expect(fr.sections.map((s) => s.bullets.length)).toEqual(en.sections.map((s) => s.bullets.length));
      }),
      { numRuns: 150 },
    );
  });
});
