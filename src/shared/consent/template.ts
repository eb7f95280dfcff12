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
import { type ClinicRules, type Weekday, weekdays } from '../protocol/clinic-rules';
import { type ConsentScope } from '../protocol/documents';
import {
  type ConsentDocument,
  type ConsentLanguage,
  type ConsentSection,
  type ConsentSectionId,
  type ConsentTemplateEdits,
  type IdentityMethod,
  identityMethods,
} from './types';

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

const pick = (language: ConsentLanguage, en: string, fr: string): string => (language === 'en' ? en : fr);

/** A value from the rules on one line: NFC, runs of white space (newlines too) as one space. */
function clean(value: string): string {
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

const dayNames: Record<ConsentLanguage, Record<Weekday, string>> = {
  en: { monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday' },
  fr: { monday: 'lundi', tuesday: 'mardi', wednesday: 'mercredi', thursday: 'jeudi', friday: 'vendredi', saturday: 'samedi', sunday: 'dimanche' },
};

/** "08:30" → "8:30" (en) or "8 h 30" (fr); "17:00" → "17:00" or "17 h". */
function formatTime(time: string, language: ConsentLanguage): string {
  const [h = '0', m = '00'] = time.split(':');
  const hour = String(Number(h));
  if (language === 'en') return `${hour}:${m}`;
  return m === '00' ? `${hour} h` : `${hour} h ${m}`;
}

/** A value from the rules at the end of a sentence: one final full stop, not two. */
const endSentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

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

const scopeLabels: Record<ConsentLanguage, Record<ConsentScope, string>> = {
  en: { clinical: 'Messages about your care', reminders: 'Appointment reminders', newsletters: 'General health newsletters', attachments: 'Photos and attachments' },
  fr: { clinical: 'Messages sur vos soins', reminders: 'Rappels de rendez-vous', newsletters: 'Bulletins de santé générale', attachments: 'Photos et pièces jointes' },
};

/** A short label for one consent choice, for the UI and the receipt. */
export function scopeLabel(scope: ConsentScope, language: ConsentLanguage): string {
  return scopeLabels[language][scope];
}

const identityLabels: Record<ConsentLanguage, Record<IdentityMethod, string>> = {
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

function formatYears(years: number, language: ConsentLanguage): string {
  if (language === 'en') return `${years} ${years === 1 ? 'year' : 'years'}`;
  return `${years} ${years === 1 ? 'an' : 'ans'}`;
}

// ---------------------------------------------------------------------------------------
// The sections. Each builder writes both languages side by side so they keep the same shape.

type Draft = { readonly title: string; readonly paragraphs: readonly string[]; readonly bullets: readonly string[] };
type Context = {
  readonly l: (en: string, fr: string) => string;
  readonly language: ConsentLanguage;
  readonly rules: ClinicRules;
  readonly clinic: string;
  readonly phone: string;
  readonly emergencyNumber: string;
  readonly department: string;
  readonly version: string;
};

const sections: Record<ConsentSectionId, (c: Context) => Draft> = {
  purposes: ({ l, clinic, emergencyNumber, rules }) => ({
    title: l('What this messaging is for', 'À quoi sert cette messagerie'),
    paragraphs: [
      l(
        `${clinic} offers a secure messaging app. You can use it to write to your care team about things that are not urgent, such as those listed below.`,
        `${clinic} vous propose une application de messagerie sécurisée. Vous pouvez y écrire à votre équipe de soins pour des questions qui ne sont pas urgentes, comme celles de la liste ci-dessous.`,
      ),
      l(
        'This app is the only way the clinic answers you in writing. The clinic does not answer patients on social media, by text message or by personal email.',
        'C’est le seul moyen par lequel la clinique vous répond par écrit. Elle ne répond pas aux patients sur les réseaux sociaux, par texto ni par courriel personnel.',
      ),
      l(
        `Never use it for an emergency, for thoughts of harming yourself or someone else, or for a severe reaction to a medicine. For these, call ${emergencyNumber} right away.`,
        `Ne l’utilisez jamais pour une urgence, si vous pensez à vous faire du mal ou à en faire à quelqu’un, ni pour une forte réaction à un médicament. Dans ces cas, composez le ${emergencyNumber} sans attendre.`,
      ),
    ],
    bullets: rules.purposes.map(clean),
  }),
  benefits: ({ l }) => ({
    title: l('How it can help you', 'Ce que vous y gagnez'),
    paragraphs: [l('Messaging does not replace a visit. But it can make some things easier for you.', 'La messagerie ne remplace pas une visite. Mais elle peut vous simplifier la vie.')],
    bullets: [
      l('You can write when it suits you, without waiting on the phone.', 'Vous écrivez quand cela vous convient, sans attendre au téléphone.'),
      l('You get a written answer that you can read again later.', 'Vous recevez une réponse écrite, que vous pouvez relire plus tard.'),
      l('Your questions and the answers are kept together in your record.', 'Vos questions et les réponses restent ensemble dans votre dossier.'),
    ],
  }),
  risks: ({ l }) => ({
    title: l('The risks', 'Les risques'),
    paragraphs: [
      l(
        'No way of sending messages is perfectly safe. Before you agree, please read what could go wrong, listed below.',
        'Aucun moyen d’envoyer des messages n’est parfaitement sûr. Avant d’accepter, lisez ci-dessous ce qui pourrait arriver.',
      ),
    ],
    bullets: [
      l('Someone could intercept a message on its way.', 'Quelqu’un pourrait intercepter un message en chemin.'),
      l('A message could reach the wrong person, or be forwarded to others.', 'Un message pourrait arriver à la mauvaise personne, ou être transféré à d’autres.'),
      l('Copies of a message may still exist after it is deleted.', 'Des copies d’un message peuvent rester même après sa suppression.'),
      l(
        'On a shared computer, or a phone or computer from your work, other people (such as your employer) may see your messages.',
        'Sur un ordinateur partagé, ou sur un téléphone ou un ordinateur de votre travail, d’autres personnes (votre employeur, par exemple) pourraient voir vos messages.',
      ),
      l('If your phone or computer is lost or stolen, someone else could read your messages.', 'Si votre téléphone ou votre ordinateur est perdu ou volé, quelqu’un d’autre pourrait lire vos messages.'),
      l('Messages can be used as evidence, for example in court.', 'Les messages peuvent servir de preuve, par exemple devant un tribunal.'),
    ],
  }),
  safeguards: ({ l, rules }) => {
    const minutes = rules.security.idleLockMinutes;
    const preview = rules.security.notificationPreview;
    return {
      title: l('How the clinic protects your messages', 'Comment la clinique protège vos messages'),
      paragraphs: [
        l('The clinic takes the steps listed below to protect your messages.', 'La clinique prend les mesures ci-dessous pour protéger vos messages.'),
        l(
          'These are reasonable steps. They lower the risk, but they cannot remove it. The clinic cannot promise that no one else will ever see a message, especially on your own phone or computer.',
          'Ce sont des mesures raisonnables. Elles réduisent le risque, mais ne le font pas disparaître. La clinique ne peut pas garantir que personne d’autre ne verra jamais un message, surtout sur votre propre téléphone ou ordinateur.',
        ),
      ],
      bullets: [
        l(
          'Messages are encrypted: they are scrambled so that only you and the clinic staff allowed to read them can open them.',
          'Les messages sont chiffrés : ils sont brouillés pour que seuls vous et les membres de la clinique autorisés à les lire puissiez les ouvrir.',
        ),
        l('Only computers the clinic has approved can open them.', 'Seuls les ordinateurs approuvés par la clinique peuvent les ouvrir.'),
        l(
          `The app on clinic computers locks itself after ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} without use.`,
          `Sur les ordinateurs de la clinique, l’application se verrouille après ${minutes} minute${minutes === 1 ? '' : 's'} sans utilisation.`,
        ),
        preview === 'nothing'
          ? l('Alerts on clinic computers never show who wrote or what was written.', 'Les alertes sur les ordinateurs de la clinique n’affichent jamais qui a écrit ni ce qui est écrit.')
          : preview === 'sender'
            ? l('Alerts on clinic computers show only who wrote, never what was written.', 'Les alertes sur les ordinateurs de la clinique indiquent seulement qui a écrit, jamais ce qui est écrit.')
            : l(
                'Alerts on clinic computers may show who wrote and the start of the message.',
                'Les alertes sur les ordinateurs de la clinique peuvent indiquer qui a écrit et le début du message.',
              ),
        l(
          'A person at the clinic is in charge of privacy, and there is a plan for when something goes wrong.',
          'Une personne de la clinique est responsable de la vie privée, et il existe un plan en cas de problème.',
        ),
      ],
    };
  },
  'response-time': ({ l, language, rules, phone, emergencyNumber }) => {
    const within = formatResponseTime(rules.responseTimeBusinessHours, language);
    return {
      title: l('How fast you get an answer', 'Dans quel délai vous recevez une réponse'),
      paragraphs: [
        l(`The clinic answers your message ${within}.`, `La clinique répond à votre message ${within}.`),
        l(
          'Business hours are the hours the clinic is open, listed below. Time when the clinic is closed does not count. This includes public holidays and other days the clinic is closed.',
          'Les heures ouvrables sont les heures d’ouverture de la clinique, indiquées ci-dessous. Le temps où la clinique est fermée ne compte pas, y compris les jours fériés et les autres jours de fermeture.',
        ),
        l(
          `If something cannot wait that long, do not wait for an answer. Call the clinic at ${phone}. In an emergency, call ${emergencyNumber}.`,
          `Si cela ne peut pas attendre, n’attendez pas de réponse. Appelez la clinique au ${phone}. En cas d’urgence, composez le ${emergencyNumber}.`,
        ),
      ],
      bullets: formatBusinessHours(rules, language),
    };
  },
  emergencies: ({ l, rules, phone, emergencyNumber, department }) => {
    const other = rules.emergency.otherAdvice ? clean(rules.emergency.otherAdvice) : '';
    return {
      title: l('In an emergency', 'En cas d’urgence'),
      paragraphs: [
        l(
          'Never use messages for an emergency. No one may read your message in time. Do one of the things listed below instead.',
          'N’utilisez jamais la messagerie pour une urgence : votre message pourrait ne pas être lu à temps. Faites plutôt l’une des choses ci-dessous.',
        ),
      ],
      bullets: [
        l(`Call ${emergencyNumber}.`, `Composez le ${emergencyNumber}.`),
        l(`Or go straight to: ${endSentence(department)}`, `Ou rendez-vous directement à : ${endSentence(department)}`),
        l(`For something urgent while the clinic is open, call the clinic at ${phone}.`, `Pour une question urgente pendant les heures d’ouverture, appelez la clinique au ${phone}.`),
        ...(other ? [other] : []),
      ],
    };
  },
  'who-reads': ({ l, clinic }) => ({
    title: l('Who reads your messages', 'Qui lit vos messages'),
    paragraphs: [
      l(
        `Your messages go to your care team at ${clinic}, not to just one person. The people listed below may read them.`,
        `Vos messages vont à votre équipe de soins de ${clinic}, et pas à une seule personne. Les personnes ci-dessous peuvent les lire.`,
      ),
      l(
        'Front-desk staff never read your messages. They only record your consent and help you get started.',
        'Le personnel de l’accueil ne lit jamais vos messages. Il enregistre seulement votre consentement et vous aide à commencer.',
      ),
    ],
    bullets: [
      l('The doctors, nurses and other health workers who care for you.', 'Les médecins, le personnel infirmier et les autres professionnels de la santé qui vous soignent.'),
      l('Staff who step in when your usual care team is away or busy.', 'Le personnel qui prend le relais quand votre équipe habituelle est absente ou occupée.'),
      l(
        'The person in charge of privacy, only when needed to look into a problem.',
        'La personne responsable de la vie privée, seulement si c’est nécessaire pour examiner un problème.',
      ),
    ],
  }),
  'record-keeping': ({ l, language, rules, clinic }) => {
    const years = formatYears(rules.security.retentionYears, language);
    return {
      title: l('Your messages are part of your record', 'Vos messages font partie de votre dossier'),
      paragraphs: [
        l(
          `Every message you send, and every answer, goes into your clinical record at ${clinic}, just like notes from a visit.`,
          `Chaque message que vous envoyez, et chaque réponse, est versé à votre dossier médical à ${clinic}, comme les notes d’une visite.`,
        ),
        l(`The clinic keeps your record for ${years}, as the law requires.`, `La clinique conserve votre dossier pendant ${years}, comme l’exige la loi.`),
      ],
      bullets: [
        l('Deleting a message on your phone or computer does not delete the clinic’s copy.', 'Supprimer un message sur votre téléphone ou votre ordinateur n’efface pas la copie de la clinique.'),
        l('It is best to assume that copies of a message can survive.', 'Mieux vaut supposer que des copies d’un message peuvent subsister.'),
        l(
          'Your record, messages included, may have to be shared in a legal process, for example if a court orders it.',
          'Votre dossier, messages compris, pourrait devoir être communiqué dans une procédure judiciaire, par exemple sur ordre d’un tribunal.',
        ),
      ],
    };
  },
  'your-part': ({ l, phone }) => ({
    title: l('What we ask of you', 'Ce que nous vous demandons'),
    paragraphs: [l('To keep your messages safe and useful, please do the following.', 'Pour que vos messages restent sûrs et utiles, merci de suivre ces consignes.')],
    bullets: [
      l('Lock your phone or computer, and keep your passphrase to yourself.', 'Verrouillez votre téléphone ou votre ordinateur, et gardez votre phrase secrète pour vous.'),
      l('Do not use a shared computer, or a phone or computer from your work.', 'N’utilisez pas un ordinateur partagé, ni un téléphone ou un ordinateur de votre travail.'),
      l(`If your phone or computer is lost or stolen, call the clinic at ${phone} right away.`, `Si votre téléphone ou votre ordinateur est perdu ou volé, appelez tout de suite la clinique au ${phone}.`),
      l('Tell the clinic when your phone number, email or address changes.', 'Prévenez la clinique si votre numéro de téléphone, votre courriel ou votre adresse change.'),
      l('Write clearly, and keep to one topic in each conversation.', 'Écrivez clairement, et gardez un seul sujet par conversation.'),
    ],
  }),
  identity: ({ l, language }) => ({
    title: l('Checking who you are', 'Vérifier votre identité'),
    paragraphs: [
      l(
        'Before you sign, a staff member checks who you are, in one of the ways listed below. They write down which one.',
        'Avant que vous signiez, un membre du personnel vérifie votre identité d’une des façons ci-dessous. Il note laquelle.',
      ),
      l(
        'The clinic may check again later, for example once a year or when you get a new phone.',
        'La clinique peut refaire cette vérification plus tard, par exemple une fois par an ou si vous changez de téléphone.',
      ),
    ],
    bullets: identityMethods.map((m) => describeIdentityMethod(m, language)),
  }),
  topics: ({ l, rules }) => {
    const inPerson = rules.inPersonTopics.map(clean);
    return {
      title: l('Topics that need a visit, and topics you leave out', 'Les sujets qui demandent une visite, et ceux que vous écartez'),
      paragraphs: [
        inPerson.length > 0
          ? l(
              'Some matters need a visit or a phone call. The clinic does not deal with the topics listed below by message.',
              'Certaines questions demandent une visite ou un appel. La clinique ne traite pas par message les sujets ci-dessous.',
            )
          : l(
              'Some matters need a visit or a phone call. Your care team will tell you when this is the case.',
              'Certaines questions demandent une visite ou un appel. Votre équipe de soins vous le dira le cas échéant.',
            ),
        l(
          'You can also choose topics you do not want to discuss by message. Tell the staff member, who will write them on your form.',
          'Vous pouvez aussi choisir des sujets dont vous ne voulez pas parler par message. Dites-le au membre du personnel, qui les notera sur votre formulaire.',
        ),
      ],
      bullets: inPerson,
    };
  },
  choices: ({ l, language, rules }) => {
    const label = (scope: ConsentScope) => scopeLabel(scope, language);
    return {
      title: l('Your choices', 'Vos choix'),
      paragraphs: [
        l(
          'You say yes or no to each choice listed below, one at a time. You can say yes to one and no to another. Saying no does not change your care.',
          'Vous répondez oui ou non à chacun des choix ci-dessous, un par un. Vous pouvez dire oui à l’un et non à l’autre. Dire non ne change rien à vos soins.',
        ),
        rules.security.patientAttachments
          ? l(
              'The clinic accepts photos and files from patients only if you say yes to that choice.',
              'La clinique accepte des photos et des fichiers des patients seulement si vous dites oui à ce choix.',
            )
          : l(
              'Right now, the clinic does not accept photos or files from patients in the app. Your answer to that choice will only count if this changes.',
              'Pour l’instant, la clinique n’accepte pas de photos ni de fichiers des patients dans l’application. Votre réponse à ce choix ne comptera que si cela change.',
            ),
      ],
      bullets: [
        l(`${label('clinical')}: you write to your care team and get answers.`, `${label('clinical')} : vous écrivez à votre équipe de soins et recevez des réponses.`),
        l(`${label('reminders')}: short notes about your upcoming visits.`, `${label('reminders')} : de courts messages sur vos prochaines visites.`),
        l(
          `${label('newsletters')}: general health news from the clinic, never about you personally. Only if you say yes.`,
          `${label('newsletters')} : des nouvelles de santé générales de la clinique, jamais sur vous en particulier. Seulement si vous dites oui.`,
        ),
        l(
          `${label('attachments')}: photos of you are taken, sent or kept only with your written permission.`,
          `${label('attachments')} : des photos de vous ne sont prises, envoyées ou gardées qu’avec votre permission écrite.`,
        ),
      ],
    };
  },
  withdrawal: ({ l, phone, rules }) => ({
    title: l('Changing your mind', 'Si vous changez d’avis'),
    paragraphs: [
      rules.consentRenewal.validityMonths > 0
        ? l(
            `Your agreement lasts ${rules.consentRenewal.validityMonths} ${rules.consentRenewal.validityMonths === 1 ? 'month' : 'months'}. Before it ends, the clinic will ask you to renew it. If it is not renewed, messaging stops until you renew it.`,
            `Votre accord dure ${rules.consentRenewal.validityMonths} mois. Avant la fin, la clinique vous demandera de le renouveler. S’il n’est pas renouvelé, la messagerie s’arrête jusqu’à ce que vous le renouveliez.`,
          )
        : l('Your agreement has no end date: it lasts until you change or stop it.', 'Votre accord n’a pas de date de fin : il dure jusqu’à ce que vous le changiez ou l’arrêtiez.'),
      l('You can stop using messaging at any time, or change your choices.', 'Vous pouvez arrêter la messagerie à tout moment, ou changer vos choix.'),
      l(
        `To do so, tell the front desk in person or call the clinic at ${phone}. Here is what happens when you stop.`,
        `Pour cela, parlez-en à l’accueil ou appelez la clinique au ${phone}. Voici ce qui se passe quand vous arrêtez.`,
      ),
    ],
    bullets: [
      l('Messages already sent stay in your clinical record. Stopping does not delete them.', 'Les messages déjà envoyés restent dans votre dossier médical. Arrêter ne les efface pas.'),
      l('After you stop, the clinic no longer writes to you in the app.', 'Une fois que vous arrêtez, la clinique ne vous écrit plus dans l’application.'),
      l('Stopping does not change the care you receive.', 'Arrêter ne change rien aux soins que vous recevez.'),
      l('You can sign up again later if you wish.', 'Vous pourrez vous réinscrire plus tard si vous le souhaitez.'),
    ],
  }),
  'decision-maker': ({ l }) => ({
    title: l('Signing for someone else', 'Signer pour une autre personne'),
    paragraphs: [
      l(
        'If you sign for another person, you agree on their behalf. The form records your name and how you are related to them.',
        'Si vous signez pour une autre personne, vous donnez votre accord en son nom. Le formulaire indique votre nom et votre lien avec elle.',
      ),
    ],
    bullets: [
      l('A parent or legal guardian may sign for a child who cannot yet decide alone.', 'Un parent ou un tuteur légal peut signer pour un enfant qui ne peut pas encore décider seul.'),
      l(
        'A young person who understands what this means may sign for themselves, as the law allows.',
        'Un jeune qui comprend ce que cela implique peut signer lui-même, dans la mesure permise par la loi.',
      ),
      l(
        'A substitute decision-maker may sign for an adult who cannot decide, and must act in that person’s best interest.',
        'Un représentant légal peut signer pour un adulte qui ne peut pas décider, et doit agir dans l’intérêt de cette personne.',
      ),
      l('The staff member may ask to see a paper that shows you can sign for them.', 'Le membre du personnel peut vous demander un document qui montre que vous pouvez signer pour elle.'),
    ],
  }),
  signature: ({ l, version }) => ({
    title: l('Signing this form', 'Signer ce formulaire'),
    paragraphs: [
      l(
        'You sign by drawing your signature or by typing your name. A staff member is your witness.',
        'Vous signez en dessinant votre signature ou en tapant votre nom. Un membre du personnel sert de témoin.',
      ),
      l(
        `The form records the date and the exact version of this text: ${version}.`,
        `Le formulaire enregistre la date et la version exacte de ce texte : ${version}.`,
      ),
    ],
    bullets: [
      l('You get a receipt with your choices, and a code to set up the app.', 'Vous recevez un reçu avec vos choix, et un code pour configurer l’application.'),
      l('You can read this text again at any time in the app.', 'Vous pouvez relire ce texte à tout moment dans l’application.'),
    ],
  }),
  'outside-scope': ({ l }) => ({
    title: l('If you write about something else', 'Si vous écrivez à propos d’autre chose'),
    paragraphs: [
      l(
        'If you write about something you did not agree to use messaging for, or something that needs a visit, the first answer will remind you of these limits.',
        'Si vous écrivez à propos d’une chose pour laquelle vous n’avez pas accepté la messagerie, ou qui demande une visite, la première réponse vous rappellera ces limites.',
      ),
      l(
        'It will also tell you what to do instead, such as booking a visit or calling the clinic.',
        'Elle vous dira aussi quoi faire à la place, par exemple prendre rendez-vous ou appeler la clinique.',
      ),
    ],
    bullets: [],
  }),
};

// ---------------------------------------------------------------------------------------

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
