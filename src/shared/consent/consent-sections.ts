// Runs anywhere: the consent text itself, one builder per section (DOMAIN.md, "What a consent
// record holds"), filled from the clinic's stated rules. See template.ts for how the
// sections are assembled, versioned and hashed.
import { type ClinicRules } from '../protocol/clinic-rules';
import { type ConsentScope } from '../protocol/documents';
import {
  type ConsentLanguage,
  type ConsentSectionId,
  identityMethods,
} from './types';
import { clean, formatResponseTime, endSentence, formatBusinessHours, scopeLabel, describeIdentityMethod, formatYears } from './consent-format';

// ---------------------------------------------------------------------------------------
// The sections. Each builder writes both languages side by side so they keep the same shape.

export type Draft = { readonly title: string; readonly paragraphs: readonly string[]; readonly bullets: readonly string[] };
export type Context = {
  readonly l: (en: string, fr: string) => string;
  readonly language: ConsentLanguage;
  readonly rules: ClinicRules;
  readonly clinic: string;
  readonly phone: string;
  readonly emergencyNumber: string;
  readonly department: string;
  readonly version: string;
};

export const sections: Record<ConsentSectionId, (c: Context) => Draft> = {
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
        rules.security.patientAttachments
          ? l(
              `${label('attachments')}: you may send photos and PDF files, up to ${rules.attachments.maxMegabytes} MB each and ${rules.attachments.perMessage} per message, and the clinic may send you documents. Before a photo leaves your device, the app removes the place, date and camera details stored in it. Files are encrypted like messages and kept in your record. Photos of you are taken, sent or kept only with your written permission.`,
              `${label('attachments')} : vous pouvez envoyer des photos et des fichiers PDF, jusqu’à ${rules.attachments.maxMegabytes} Mo chacun et ${rules.attachments.perMessage} par message, et la clinique peut vous envoyer des documents. Avant qu’une photo ne quitte votre appareil, l’application en retire le lieu, la date et les détails de l’appareil photo. Les fichiers sont chiffrés comme les messages et gardés dans votre dossier. Des photos de vous ne sont prises, envoyées ou gardées qu’avec votre permission écrite.`,
            )
          : l(
              `${label('attachments')}: not offered. This clinic does not accept photos or files from patients in the app; bring them to your appointment instead. Photos of you are taken, sent or kept only with your written permission.`,
              `${label('attachments')} : non proposé. Cette clinique n’accepte pas de photos ni de fichiers des patients dans l’application ; apportez-les plutôt à votre rendez-vous. Des photos de vous ne sont prises, envoyées ou gardées qu’avec votre permission écrite.`,
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
