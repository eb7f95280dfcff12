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
        ? `Open ${portalUrl} or scan the square code with your phone’s camera, then enter the code below.`
        : 'Open the clinic’s patient portal on your phone or computer and enter the code below.',
    enrollmentCode: 'Your connection code',
    codeExpires: (when) => `This code works once and expires on ${when}. If it expires, ask the front desk for a new one.`,
    codeOnce: 'Keep this page private until you have connected: anyone with the code can connect as you.',
    fingerprint: 'Clinic fingerprint',
    fingerprintCheck: (phone) =>
      `When you connect, the portal shows the clinic’s fingerprint. Check that it matches the one printed here, group by group. If it does not match, stop and call the clinic at ${phone}.`,
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
        ? `Ouvrez ${portalUrl} ou lisez le code carré avec l’appareil photo de votre téléphone, puis saisissez le code ci-dessous.`
        : 'Ouvrez le portail patient de la clinique sur votre téléphone ou votre ordinateur et saisissez le code ci-dessous.',
    enrollmentCode: 'Votre code de connexion',
    codeExpires: (when) => `Ce code ne sert qu’une fois et expire le ${when}. S’il a expiré, demandez-en un nouveau à l’accueil.`,
    codeOnce: 'Gardez cette page pour vous jusqu’à votre connexion : quiconque a le code peut se connecter à votre place.',
    fingerprint: 'Empreinte de la clinique',
    fingerprintCheck: (phone) =>
      `À la connexion, le portail affiche l’empreinte de la clinique. Vérifiez qu’elle correspond à celle imprimée ici, groupe par groupe. Si elle ne correspond pas, arrêtez et appelez la clinique au ${phone}.`,
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
