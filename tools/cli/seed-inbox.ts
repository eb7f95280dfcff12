// Seeding a clinician's inbox at scale, for `npm run seed` (seed-profile.ts) and the inbox
// benchmark (bench-inbox.ts): patients' consents and cards published through a real relay,
// then messages written into the clinician's device store through the store API.
import sodium from 'libsodium-wrappers-sumo';
import { WebSocket } from 'ws';

import { PREFIX, consentStatusSchema, relayAuthSchema } from '../../src/shared/protocol/documents';
import { decodeChecked } from '../../src/shared/protocol/fields';
import { type EnvelopeRecipient, sealEnvelope } from '../../src/shared/protocol/envelope';
import { CARD_SCOPE, type PatientCard, cardMessageId } from '../../src/shared/protocol/patient-card';
import { signDocument } from '../../src/shared/protocol/signed';
import { type ClinicClient } from '../../src/main/network/clinic-client';
import { prng, syntheticPatients } from './synthetic';

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}
// ------------------------------------------------------------------ seeding: the directory

export type SeedPatient = { readonly patientId: string; readonly card: Omit<PatientCard, 'v'> };

/** 5,000 (or `count`) patients with synthetic names (accents, hyphens) and dates of birth. */
export function seedPatients(count: number): SeedPatient[] {
  return syntheticPatients(count, 11).map((p, i) => ({
    patientId: `pat-${i.toString().padStart(5, '0')}`,
    card: { givenName: p.givenName, familyName: p.familyName, dateOfBirth: p.dateOfBirth, decisionMaker: null },
  }));
}

export type Identity = { deviceId: string; clinicId: string; signing: { publicKey: string; privateKey: string } };

/** One logged-in WebSocket to the relay with up to `window` requests in flight, answers matched by id. */
export class PipelinedSocket {
  private readonly waiting = new Map<string, { resolve: (body: unknown) => void; reject: (error: Error) => void }>();
  private next = 0;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const answer = JSON.parse(String(data)) as { re?: string | null; ok?: boolean; body?: unknown; error?: { code: string; message: string } };
      if (typeof answer.re !== 'string') return; // pushes
      const w = this.waiting.get(answer.re);
      this.waiting.delete(answer.re);
      if (!w) return;
      if (answer.ok) w.resolve(answer.body);
      else w.reject(new Error(`${answer.error?.code ?? '?'}: ${answer.error?.message ?? ''}`));
    });
  }

  static async login(wsUrl: string, identity: Identity): Promise<PipelinedSocket> {
    const ws = new WebSocket(wsUrl, { maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const socket = new PipelinedSocket(ws);
    const { challenge } = (await socket.request('auth.challenge', {})) as { challenge: string };
    const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: identity.clinicId, deviceId: identity.deviceId, challenge }, decodeChecked(identity.signing.privateKey));
    await socket.request('auth.login', { proof });
    return socket;
  }

  request(type: string, body: unknown): Promise<unknown> {
    const id = `b${(this.next++).toString(36)}`;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ v: 1, id, type, body }));
    });
  }

  /** Sends every request, `window` at a time, calling `done(i)` as each is answered. */
  async all(items: readonly { type: string; body: () => unknown }[], window: number, done: (i: number) => void): Promise<void> {
    let index = 0;
    const lane = async () => {
      for (let i = index++; i < items.length; i = index++) {
        const item = items[i] as (typeof items)[number];
        await this.request(item.type, item.body());
        done(i);
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
  }

  close(): void {
    this.ws.close();
  }
}

const progress = (label: string, total: number) => {
  let shown = 0;
  const started = performance.now();
  return (count: number) => {
    if (count === total || count - shown >= Math.max(500, total / 5)) {
      shown = count;
      console.log(`  ${label}: ${count}/${total} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  };
};

/**
 * Publishes each patient's consent (version 1, clinical) and card through the relay, signed
 * and sealed exactly as ClinicClient.publishConsent / publishCard do, from the registrar's
 * own keys, but without the client's per-call directory refresh (see the note in the result).
 */
export async function seedDirectory(registrar: ClinicClient, wsUrl: string, patients: readonly SeedPatient[]): Promise<{ consentsMs: number; cardsMs: number }> {
  await sodium.ready;
  const identity = registrar.local.get<Identity>('identity');
  if (!identity) throw new Error('the registrar has no identity');
  const signingKey = decodeChecked(identity.signing.privateKey);
  const socket = await PipelinedSocket.login(wsUrl, identity);
  try {
    const consentsShown = progress('consents', patients.length);
    let consents = 0;
    const [consentsMs] = await time(() =>
      socket.all(
        patients.map((p) => ({
          type: 'consent.publish',
          body: () => ({
            consent: signDocument(
              sodium,
              PREFIX.consentStatus,
              consentStatusSchema,
              { v: 1, clinicId: identity.clinicId, patientId: p.patientId, version: 1, activeScopes: ['clinical'], expiresAt: null, issuedBy: identity.deviceId, issuedAt: Date.now() },
              signingKey,
            ),
          }),
        })),
        8,
        () => consentsShown(++consents),
      ),
    );

    const directory = await registrar.verifiedDirectory(true);
    // Its own client would otherwise refetch the directory on every card's push.
    await registrar.disconnect();
    const epoch = directory.epoch;
    if (!epoch) throw new Error('the clinic has no records key');
    const recipients: EnvelopeRecipient[] = [{ to: `records:${epoch.epoch}`, boxPublicKey: decodeChecked(epoch.publicKey) }];
    for (const d of directory.devices.values()) {
      if (d.kind === 'staff' && (d.role === 'front-desk' || d.role === 'it-admin')) recipients.push({ to: d.deviceId, boxPublicKey: d.boxKey });
    }
    const cardsShown = progress('cards', patients.length);
    let cards = 0;
    const [cardsMs] = await time(() =>
      socket.all(
        patients.map((p) => ({
          type: 'card.publish',
          body: () => {
            const sentAt = Date.now();
            return {
              card: sealEnvelope(sodium, {
                messageId: cardMessageId(p.patientId, sentAt),
                conversationId: p.patientId,
                patientId: p.patientId,
                senderDeviceId: identity.deviceId,
                sentAt,
                scope: CARD_SCOPE,
                recordsEpoch: epoch.epoch,
                body: new TextEncoder().encode(JSON.stringify({ v: 1, ...p.card } satisfies PatientCard)),
                recipients,
                senderSigningKey: signingKey,
              }),
            };
          },
        })),
        8,
        () => cardsShown(++cards),
      ),
    );
    return { consentsMs, cardsMs };
  } finally {
    socket.close();
  }
}

// ------------------------------------------------------------------ seeding: the messages

const patientLines = [
  'Could you renew my prescription before Friday?',
  'Is it normal that the swelling lasts more than a week?',
  'Pourriez-vous déplacer mon rendez-vous de mardi ?',
  'I got my blood test results, what do they mean?',
  'Merci pour votre réponse rapide.',
  'Can I take ibuprofen with my current medication?',
  'The rash on my arm is spreading a little, should I come in?',
  'Mon sirop contre la toux ne fait plus effet, que faire ?',
];
const clinicLines = [
  'Your renewal is ready at the pharmacy.',
  'That can be expected; if it gets worse, please book a visit.',
  'C’est noté, votre rendez-vous est déplacé à jeudi.',
  'Your results are within the normal range. We can discuss them at your next visit.',
  'This needs to be seen in person: please call the clinic to book.',
  'Please avoid anti-inflammatories for now and keep taking acetaminophen as needed.',
];

export type MessagePlan = {
  /** Messages per conversation, in patient order. */
  readonly counts: number[];
  /** Index of the longest thread, and of a short one (3 to 6 messages). */
  readonly longest: number;
  readonly short: number;
};

/**
 * `total` messages over `conversations`: a few threads of 2,000+ (at full size), a skewed rest
 * (the first patients hundreds of messages, most a handful), every conversation at least one.
 */
export function planMessages(conversations: number, total: number): MessagePlan {
  const random = prng(5);
  const scale = total / 100_000;
  const long = [2600, 2300, 2100, 2000, 2000].map((n) => Math.max(20, Math.round(n * scale)));
  const counts = Array.from({ length: conversations }, () => 1);
  // A small clinic has fewer long threads: only those whose place exists.
  const longAt = long.map((_, i) => i * 97).filter((at) => at < conversations);
  longAt.forEach((at, i) => (counts[at] = long[i] as number));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const longSet = new Set(longAt);
  while (left > 0) {
    const i = Math.floor(conversations * random() ** 3);
    if (longSet.has(i)) continue;
    counts[i] = (counts[i] ?? 0) + 1;
    left -= 1;
  }
  let short = conversations - 1;
  for (let i = conversations - 1; i >= 0; i--) {
    const n = counts[i] ?? 0;
    if (n >= 3 && n <= 6) {
      short = i;
      break;
    }
  }
  return { counts, longest: 0, short };
}

export type SeededMessages = {
  readonly messages: number;
  readonly ms: number;
  readonly needsAnswer: number;
  readonly withUnread: number;
  readonly unreadMessages: number;
};

/**
 * Writes the plan into the clinician's store through the store API (summary kept per message),
 * in transactions of a few thousand. Threads alternate patient and clinic turns over the last
 * year; older patient messages are read; about a quarter of the conversations end with 1 to 3
 * unanswered, unread patient messages (the last ones within the past week).
 */
export function seedMessages(client: ClinicClient, patients: readonly SeedPatient[], plan: MessagePlan, now: number): SeededMessages {
  const random = prng(9);
  const store = client.local;
  const own = client.deviceId;
  const colleague = 'd-colleague-0001';
  const shown = progress('messages', plan.counts.reduce((a, b) => a + b, 0));
  let written = 0;
  let needsAnswer = 0;
  let withUnread = 0;
  let unreadMessages = 0;
  let relaySeq = 0;
  const started = performance.now();
  const batch: (() => void)[] = [];
  const flush = () => {
    store.transaction(() => {
      for (const write of batch) write();
    });
    batch.length = 0;
    shown(written);
  };
  patients.forEach((patient, p) => {
    const count = plan.counts[p] ?? 1;
    // The long and the short thread both wait for an answer, the longest overdue: the first two rows.
    const pinned = p === plan.longest ? 1 : p === plan.short ? 2 : 0;
    const waiting = pinned ? 2 : random() < 0.25 ? Math.min(count, 1 + Math.floor(random() * 3)) : 0;
    const history = count - waiting;
    // Spread over the past year, the most recent message within the last week.
    const end = pinned ? now - (9 - pinned) * 86_400_000 : now - Math.floor(random() * 7 * 86_400_000) - 60_000;
    const start = end - Math.min(365, 5 + count) * 86_400_000;
    const step = Math.max(1, Math.floor((end - start) / count));
    let fromPatient = true;
    for (let i = 0; i < count; i++) {
      const tail = i >= history;
      // Turns: a patient writes, the clinic answers; sometimes two in a row. The history ends on a clinic answer.
      fromPatient = tail ? true : i === history - 1 ? false : random() < 0.3 ? fromPatient : !fromPatient;
      const sentAt = start + i * step + Math.floor(random() * (step / 2));
      const line = fromPatient ? patientLines[Math.floor(random() * patientLines.length)] : clinicLines[Math.floor(random() * clinicLines.length)];
      const message = {
        messageId: `m-${p.toString(36)}-${i.toString(36)}`,
        conversationId: patient.patientId,
        patientId: patient.patientId,
        senderDeviceId: fromPatient ? `d-patient-${p}` : random() < 0.6 ? own : colleague,
        outgoing: !fromPatient,
        urgent: false,
        outOfHours: null,
        scope: 'clinical',
        body: `${line} (${(p * 131 + i).toString(36)})`,
        sentAt,
        seq: i + 1,
        relaySeq: ++relaySeq,
        state: fromPatient ? ('received' as const) : ('delivered' as const),
        fromPatient,
      };
      batch.push(() => void store.addMessage(message, sentAt));
      written += 1;
      if (i === history - 1) {
        // Everything before the unanswered tail has been read on this device.
        batch.push(() => void store.inbox.markConversationRead(patient.patientId, sentAt + 1));
      }
      if (batch.length >= 5000) flush();
    }
    if (waiting > 0) {
      needsAnswer += 1;
      withUnread += 1;
      unreadMessages += waiting;
    }
  });
  flush();
  return { messages: written, ms: performance.now() - started, needsAnswer, withUnread, unreadMessages };
}
