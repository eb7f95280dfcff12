import type { ClientMessage } from '../../src/main/network/client-store';
import type { NewPatient } from '../../src/main/storage/repository';

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

/** Synthetic patients with accents and hyphens in their names; the family name carries a unique marker. */
export function syntheticPatients(count: number, seed = 42, now = Date.UTC(2026, 10, 23, 12)): NewPatient[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `patient-${i.toString().padStart(7, '0')}`,
    givenName: pick(random, givenNames),
    familyName: `${pick(random, familyNames)}-${i.toString(36)}`,
    dateOfBirth: `${1940 + Math.floor(random() * 80)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
    contact: { phone: `555-01${String(i % 100).padStart(2, '0')}` },
    substituteDecisionMaker: null,
    createdAt: now - 400 * 86_400_000,
  }));
}

export type SyntheticMessage = Omit<ClientMessage, 'failure' | 'readAt'>;

/**
 * `count` messages for a device store, spread over `conversations` patients and the past
 * 300 days, patients and clinic taking turns at random. Each body carries a unique marker.
 */
export function syntheticMessages(count: number, conversations: number, seed = 42, now = Date.UTC(2026, 10, 23, 12)): SyntheticMessage[] {
  const random = prng(seed);
  const spacing = Math.max(1, Math.floor((300 * 86_400_000) / Math.max(1, count)));
  return Array.from({ length: count }, (_, m) => {
    const patient = `patient-${Math.floor(random() * conversations).toString().padStart(7, '0')}`;
    const fromPatient = random() < 0.55;
    return {
      messageId: `message-${m.toString().padStart(8, '0')}`,
      conversationId: patient,
      patientId: patient,
      senderDeviceId: fromPatient ? `device-${patient}` : 'device-staff-0001',
      outgoing: !fromPatient,
      scope: 'clinical',
      body: `${pick(random, fromPatient ? patientLines : staffLines)} [ref ${m.toString(36)}]`,
      sentAt: now - 300 * 86_400_000 + m * spacing,
      seq: m + 1,
      relaySeq: m + 1,
      state: fromPatient ? 'received' : 'delivered',
      fromPatient,
      urgent: false,
      outOfHours: null,
    };
  });
}
