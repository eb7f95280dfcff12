// Runs anywhere: the printed consent receipt's own words, in English and French. Plain data
// (the app's i18n catalogues are separate). The consent text itself comes from the document,
// the choice and identity-check labels from template.ts (`scopeLabel`, `describeIdentityMethod`).
import { type ConsentLanguage } from './types';

export type ReceiptText = {
  /** Between a label and its value: ':' in English, a no-break space and ':' in French. */
  readonly colon: string;
  readonly documentTitle: string;
  readonly title: string;
  readonly phone: string;
  readonly patient: string;
  readonly dateOfBirth: string;
  readonly decisionMaker: string;
  readonly signedOn: string;
  readonly choicesHeading: string;
  readonly yes: string;
  readonly no: string;
  readonly excludedTopics: string;
  readonly noExcludedTopics: string;
  readonly connectHeading: string;
  readonly connectIntro: (portalUrl: string | null) => string;
  readonly enrollmentCode: string;
  /** Under the short code: what else the patient types. */
  readonly shortCodeHint: string;
  readonly detailsHeading: string;
  readonly fullCode: string;
  readonly codeExpires: (when: string) => string;
  readonly codeOnce: string;
  readonly fingerprint: string;
  readonly fingerprintCheck: (phone: string) => string;
  readonly agreedHeading: string;
  readonly agreedIntro: (version: string) => string;
  readonly signatureHeading: string;
  readonly signedBy: (name: string) => string;
  readonly witness: string;
  readonly identityChecked: string;
  readonly textVersion: string;
  readonly textHash: string;
  readonly recordId: string;
  readonly footer: (version: string) => string;
  readonly page: (n: number, total: number) => string;
};

export const receiptText = {
  en: {
    colon: ':',
    documentTitle: 'Messaging consent receipt',
    title: 'Your messaging consent receipt',
    phone: 'Phone',
    patient: 'Patient',
    dateOfBirth: 'Date of birth',
    decisionMaker: 'Signed for the patient by',
    signedOn: 'Signed on',
    choicesHeading: 'Your choices',
    yes: 'Yes',
    no: 'No',
    excludedTopics: 'Topics you asked us never to write to you about',
    noExcludedTopics: 'None.',
    connectHeading: 'Connect from your phone or computer',
    connectIntro: (portalUrl) =>
      portalUrl
        ? `Scan the square code with your phone’s camera. Or open ${portalUrl} and type the code below with your date of birth.`
        : 'Open the clinic’s patient portal on your phone or computer and type the code below with your date of birth.',
    enrollmentCode: 'Your connection code',
    shortCodeHint: 'The portal also asks for your date of birth, as the front desk recorded it above.',
    detailsHeading: 'Details',
    fullCode: 'Full code (the square code holds the same)',
    codeExpires: (when) => `This code works once and expires on ${when}. If it expires, ask the front desk for a new one.`,
    codeOnce: 'Keep this page private until you have connected: anyone with the code can connect as you.',
    fingerprint: 'Clinic fingerprint',
    fingerprintCheck: (phone) =>
      `The portal checks the clinic’s fingerprint by itself, with your code: there is nothing for you to compare. If the portal ever says it could not check the clinic, stop and call the clinic at ${phone}.`,
    agreedHeading: 'What you agreed to',
    agreedIntro: (version) => `This is the exact text you were shown and agreed to (version ${version}).`,
    signatureHeading: 'Signature',
    signedBy: (name) => `Signed by ${name}`,
    witness: 'Witness (clinic staff)',
    identityChecked: 'Identity check',
    textVersion: 'Text version',
    textHash: 'Text hash',
    recordId: 'Record ID',
    footer: (version) => `Messaging consent receipt · text version ${version}`,
    page: (n, total) => `Page ${n} of ${total}`,
  },
  fr: {
    colon: '\u00a0:',
    documentTitle: 'Reçu de consentement à la messagerie',
    title: 'Votre reçu de consentement à la messagerie',
    phone: 'Téléphone',
    patient: 'Patient ou patiente',
    dateOfBirth: 'Date de naissance',
    decisionMaker: 'Signé au nom du patient par',
    signedOn: 'Signé le',
    choicesHeading: 'Vos choix',
    yes: 'Oui',
    no: 'Non',
    excludedTopics: 'Sujets dont vous ne voulez jamais recevoir de message',
    noExcludedTopics: 'Aucun.',
    connectHeading: 'Vous connecter depuis votre téléphone ou votre ordinateur',
    connectIntro: (portalUrl) =>
      portalUrl
        ? `Lisez le code carré avec l’appareil photo de votre téléphone. Ou ouvrez ${portalUrl} et saisissez le code ci-dessous avec votre date de naissance.`
        : 'Ouvrez le portail patient de la clinique sur votre téléphone ou votre ordinateur et saisissez le code ci-dessous avec votre date de naissance.',
    enrollmentCode: 'Votre code de connexion',
    shortCodeHint: 'Le portail vous demande aussi votre date de naissance, telle que l’accueil l’a notée ci-dessus.',
    detailsHeading: 'Détails',
    fullCode: 'Code complet (le code carré contient le même)',
    codeExpires: (when) => `Ce code ne sert qu’une fois et expire le ${when}. S’il a expiré, demandez-en un nouveau à l’accueil.`,
    codeOnce: 'Gardez cette page pour vous jusqu’à votre connexion : quiconque a le code peut se connecter à votre place.',
    fingerprint: 'Empreinte de la clinique',
    fingerprintCheck: (phone) =>
      `Le portail vérifie lui-même l’empreinte de la clinique, grâce à votre code : vous n’avez rien à comparer. Si le portail indique un jour qu’il n’a pas pu vérifier la clinique, arrêtez et appelez la clinique au ${phone}.`,
    agreedHeading: 'Ce que vous avez accepté',
    agreedIntro: (version) => `Voici le texte exact qui vous a été présenté et que vous avez accepté (version ${version}).`,
    signatureHeading: 'Signature',
    signedBy: (name) => `Signé par ${name}`,
    witness: 'Témoin (personnel de la clinique)',
    identityChecked: 'Vérification de l’identité',
    textVersion: 'Version du texte',
    textHash: 'Hachage du texte',
    recordId: 'Numéro du dossier de consentement',
    footer: (version) => `Reçu de consentement à la messagerie · version du texte ${version}`,
    page: (n, total) => `Page ${n} sur ${total}`,
  },
} as const satisfies Record<ConsentLanguage, ReceiptText>;
