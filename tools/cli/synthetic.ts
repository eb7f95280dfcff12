import type { NewConversation, NewMessage, NewPatient } from '../../src/main/storage/repository';

/** A small deterministic generator (mulberry32), so a seed gives the same data every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const givenNames = ['Zoë', 'Léa', 'Amélie', 'François', 'Noah', 'Olivia', 'Mathis', 'Chloé', 'Liam', 'Aïcha', 'Émile', 'Jasmine', 'Raphaël', 'Inès', 'Owen'];
const familyNames = ['Brûlé-Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Nguyen', 'Lévesque', 'Okafor', 'MacLeod', 'Singh', 'Bélanger', 'Morin'];
const subjects = ['Prescription renewal', 'Appointment change', 'Question about test results', 'Follow-up after visit', 'Renouvellement d’ordonnance', 'Changement de rendez-vous'];
const patientLines = [
  'Could you renew my prescription before Friday?',
  'Is it normal that the swelling lasts more than a week?',
  'Pourriez-vous déplacer mon rendez-vous de mardi ?',
  'I got my blood test results, what do they mean?',
  'Merci pour votre réponse rapide.',
  'Can I take ibuprofen with my current medication?',
];
const staffLines = [
  'Your renewal is ready at the pharmacy.',
  'That can be expected; if it gets worse, please book a visit.',
  'C’est noté, votre rendez-vous est déplacé à jeudi.',
  'Your results are within the normal range. We can discuss them at your next visit.',
  'This needs to be seen in person: please call the clinic to book.',
];

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

export type SyntheticData = {
  readonly patients: NewPatient[];
  readonly conversations: NewConversation[];
  readonly messages: NewMessage[];
  /** Exact strings that were written, for the tests that prove none reaches the disk in the clear. */
  readonly samples: string[];
};

/**
 * Synthetic patients, one conversation each (two for every tenth), and `messages` messages
 * spread over them. Each name and body carries a unique marker so any leak is unambiguous.
 */
export function syntheticData(options: { patients: number; messages: number; seed?: number; now?: number }): SyntheticData {
  const random = prng(options.seed ?? 42);
  const now = options.now ?? Date.UTC(2026, 10, 23, 12);
  const patients: NewPatient[] = [];
  const conversations: NewConversation[] = [];
  for (let i = 0; i < options.patients; i++) {
    const id = `patient-${i.toString().padStart(7, '0')}`;
    patients.push({
      id,
      givenName: pick(random, givenNames),
      familyName: `${pick(random, familyNames)}-${i.toString(36)}`,
      dateOfBirth: `${1940 + Math.floor(random() * 80)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      contact: { phone: `555-01${String(i % 100).padStart(2, '0')}` },
      substituteDecisionMaker: null,
      createdAt: now - 400 * 86_400_000,
    });
    const threads = i % 10 === 0 ? 2 : 1;
    for (let t = 0; t < threads; t++) {
      conversations.push({ id: `conversation-${i}-${t}`, patientId: id, subject: pick(random, subjects), createdAt: now - 300 * 86_400_000 });
    }
  }
  const messages: NewMessage[] = [];
  const spacing = Math.max(1, Math.floor((300 * 86_400_000) / Math.max(1, options.messages)));
  for (let m = 0; m < options.messages; m++) {
    const conversation = conversations.length > 0 ? (conversations[Math.floor(random() * conversations.length)] as NewConversation) : null;
    if (!conversation) break;
    const fromPatient = random() < 0.55;
    messages.push({
      id: `message-${m.toString().padStart(8, '0')}`,
      conversationId: conversation.id,
      senderKind: fromPatient ? 'patient' : 'staff',
      senderId: fromPatient ? conversation.patientId : 'staff-0001',
      body: `${pick(random, fromPatient ? patientLines : staffLines)} [ref ${m.toString(36)}]`,
      sentAt: now - 300 * 86_400_000 + m * spacing,
      serverSeq: null,
      deliveryState: fromPatient ? 'read' : 'delivered',
    });
  }
  const samples = [
    ...patients.slice(0, 3).flatMap((p) => [`${p.givenName} ${p.familyName}`, p.familyName]),
    ...messages.slice(0, 3).map((m) => m.body),
  ];
  return { patients, conversations, messages, samples };
}
