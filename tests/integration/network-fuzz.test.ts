// Arbitrary input against the relay and the protocol parsers (ADR 10): every frame a logged-in
// device can send gets a typed answer (never `internal`), the socket stays usable, nothing
// rejects unhandled; and the pure parsers throw only their own typed error class.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { openClientStore } from '../../src/main/network/client-store';
import { type HeadlessClinic, type HeadlessDevice, type HeadlessPatient, startHeadlessClinic } from '../../tools/headless';
import { CodeError, createCode, formatCode, parseCode } from '../../src/shared/protocol/codes';
import { DocumentError, parseSigned, verifySigned } from '../../src/shared/protocol/signed';
import { PREFIX, consentStatusSchema, relayAuthSchema, revocationSchema } from '../../src/shared/protocol/documents';
import { fromBase64, toBase64 } from '../../src/shared/protocol/encoding';
import { type Envelope, EnvelopeError, openEnvelope, parseEnvelope, sealEnvelope } from '../../src/shared/protocol/envelope';
import { rootFingerprintBytes } from '../../src/shared/protocol/keys';
import { signClinicPolicy } from '../../src/shared/protocol/policy';
import { ANSWER_ERROR_CODES, MAX_FRAME_BYTES, type RequestType, answerSchema, requests } from '../../src/shared/protocol/relay-frames';
import { signDocument } from '../../src/shared/protocol/signed';
import { type RawIdentity, identityOf, secretKeyOf } from '../support/raw-relay';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One raw WebSocket, one frame at a time: the relay answers in order, so the next non-push message is the answer. */
type RawSocket = { send(text: string): Promise<unknown>; close(): Promise<void> };

async function rawSocket(wsUrl: string): Promise<RawSocket> {
  const ws = new WebSocket(wsUrl, { maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  let closed: string | null = null;
  ws.on('message', (data) => {
    const value: unknown = JSON.parse(String(data));
    if (typeof value === 'object' && value !== null && 'push' in value) return;
    waiting.shift()?.resolve(value);
  });
  ws.on('close', (code) => {
    closed = `socket closed (${code})`;
    for (const w of waiting.splice(0)) w.reject(new Error(closed));
  });
  return {
    send(text) {
      if (closed) return Promise.reject(new Error(closed));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
        waiting.push({
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        ws.send(text);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
      }),
  };
}

let counter = 0;
const frame = (type: string, body: unknown): { id: string; text: string } => {
  counter += 1;
  const id = `f${counter}`;
  return { id, text: JSON.stringify({ v: 1, id, type, body }) };
};

async function request(socket: RawSocket, type: RequestType, body: unknown): Promise<Record<string, unknown>> {
  const answer = answerSchema.parse(await socket.send(frame(type, body).text));
  if (!answer.ok) throw new Error(`${type} refused: ${answer.error.code}`);
  return answer.body as Record<string, unknown>;
}

async function loggedIn(wsUrl: string, identity: RawIdentity): Promise<RawSocket> {
  const socket = await rawSocket(wsUrl);
  const { challenge } = (await request(socket, 'auth.challenge', {})) as { challenge: string };
  const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: identity.clinicId, deviceId: identity.deviceId, challenge }, secretKeyOf(identity));
  await request(socket, 'auth.login', { proof });
  return socket;
}

// ---------------------------------------------------------------- mutations of valid JSON

type Slot = { parent: Json[] | { [key: string]: Json } | null; key: string | number; value: Json };

function slots(root: Json): Slot[] {
  const out: Slot[] = [{ parent: null, key: '', value: root }];
  const walk = (value: Json): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        out.push({ parent: value, key: i, value: v });
        walk(v);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push({ parent: value, key: k, value: v });
        walk(v);
      }
    }
  };
  walk(root);
  return out;
}

const mutationArb = fc.record({
  kind: fc.constantFrom('flip', 'flip', 'flip', 'delete', 'add', 'replace', 'huge'),
  pick: fc.nat(),
  bit: fc.nat(),
  key: fc.string({ maxLength: 12 }),
  value: fc.jsonValue({ maxDepth: 2 }),
  size: fc.integer({ min: 1024, max: MAX_FRAME_BYTES + 4096 }),
});
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

/** Applies mutations to a deep copy of `value`; returns the copy (possibly replaced wholesale). */
function mutate(value: Json, mutations: readonly Mutation[]): Json {
  let root = JSON.parse(JSON.stringify(value)) as Json;
  for (const m of mutations) {
    const all = slots(root);
    const set = (slot: Slot, next: Json): void => {
      if (slot.parent === null) root = next;
      else (slot.parent as Record<string | number, Json>)[slot.key] = next;
    };
    if (m.kind === 'flip') {
      const base64 = all.filter((s) => typeof s.value === 'string' && s.value.length >= 8 && fromBase64(s.value) !== null);
      const slot = base64[m.pick % Math.max(1, base64.length)];
      if (!slot) continue;
      const bytes = fromBase64(slot.value as string) as Uint8Array;
      const at = m.bit % (bytes.length * 8);
      bytes[at >> 3] = (bytes[at >> 3] as number) ^ (1 << (at & 7));
      set(slot, toBase64(bytes));
    } else if (m.kind === 'delete') {
      const inner = all.filter((s) => s.parent !== null);
      const slot = inner[m.pick % Math.max(1, inner.length)];
      if (!slot) continue;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else Reflect.deleteProperty(slot.parent as object, slot.key);
    } else if (m.kind === 'add') {
      const objects = all.filter((s) => s.value !== null && typeof s.value === 'object');
      const slot = objects[m.pick % Math.max(1, objects.length)];
      if (!slot) continue;
      if (Array.isArray(slot.value)) slot.value.push(m.value as Json);
      else (slot.value as Record<string, Json>)[m.key] = m.value as Json;
    } else if (m.kind === 'replace') {
      set(all[m.pick % all.length] as Slot, m.value as Json);
    } else {
      const strings = all.filter((s) => typeof s.value === 'string');
      const slot = strings[m.pick % Math.max(1, strings.length)];
      if (slot) set(slot, 'A'.repeat(m.size));
    }
  }
  return root;
}

// ---------------------------------------------------------------- the clinic under fuzz

const dirs: string[] = [];
let c: HeadlessClinic;
const sockets: Record<'admin' | 'clinician' | 'frontDesk' | 'patient' | 'anonymous', RawSocket> = {} as never;
/** Valid (or nearly valid) bodies to mutate, per request type. */
const templates: { type: RequestType; body: Json }[] = [];
let validEnvelope: Envelope;
let patientBox: { publicKey: Uint8Array; privateKey: Uint8Array };
let clinicianSigning: Uint8Array;
let patientDeviceId: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

const b = (text: string): Uint8Array => fromBase64(text) as Uint8Array;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  await sodium.ready;
  const dir = mkdtempSync(join(tmpdir(), 'cm-fuzz-'));
  dirs.push(dir);
  c = await startHeadlessClinic({
    dir,
    relay: { maxBadFrames: Number.MAX_SAFE_INTEGER, authRate: { capacity: 1e9, refillPerSecond: 1e9 }, connectionRate: { capacity: 1e9, refillPerSecond: 1e9 } },
  });
  const desk = await c.addStaff('desk', 'front-desk');
  const dr = await c.addStaff('dr', 'clinician');
  const patient = await c.addPatient('patient', 'pat-1', desk);
  const directory = await dr.client.verifiedDirectory(true);
  await dr.client.send({ patientId: 'pat-1', body: 'A stored message.' });

  const ids = Object.fromEntries(([['admin', c.admin], ['clinician', dr], ['frontDesk', desk], ['patient', patient]] as [string, HeadlessDevice | HeadlessPatient][]).map(([k, d]) => [k, identityOf(d)])) as Record<
    'admin' | 'clinician' | 'frontDesk' | 'patient',
    RawIdentity
  >;
  for (const who of ['admin', 'clinician', 'frontDesk', 'patient'] as const) sockets[who] = await loggedIn(c.relay.wsUrl, ids[who]);
  sockets.anonymous = await rawSocket(c.relay.wsUrl);

  patientDeviceId = ids.patient.deviceId;
  patientBox = { publicKey: b(ids.patient.box.publicKey), privateKey: b(ids.patient.box.privateKey) };
  clinicianSigning = b(ids.clinician.signing.publicKey);
  const epoch = directory.epoch!;
  validEnvelope = sealEnvelope(sodium, {
    messageId: 'm-fuzz-template',
    conversationId: 'pat-1',
    patientId: 'pat-1',
    senderDeviceId: ids.clinician.deviceId,
    sentAt: Date.now(),
    scope: 'clinical',
    recordsEpoch: epoch.epoch,
    body: new TextEncoder().encode('The template message of the fuzz run.'),
    recipients: [
      { to: `records:${epoch.epoch}`, boxPublicKey: b(epoch.publicKey) },
      { to: ids.patient.deviceId, boxPublicKey: patientBox.publicKey },
    ],
    senderSigningKey: secretKeyOf(ids.clinician),
  });
  const store = openClientStore(c.admin.file, c.admin.key);
  const rootSecret = b(store.get<string>('root-secret') as string);
  store.close();
  const now = Date.now();
  const consent = signDocument(
    sodium,
    PREFIX.consentStatus,
    consentStatusSchema,
    { v: 1, clinicId: ids.admin.clinicId, patientId: 'pat-1', version: 1, activeScopes: ['clinical'], expiresAt: null, issuedBy: ids.frontDesk.deviceId, issuedAt: now },
    secretKeyOf(ids.frontDesk),
  );
  const revocation = signDocument(sodium, PREFIX.revocation, revocationSchema, { v: 1, clinicId: ids.admin.clinicId, deviceId: 'd-not-a-device', reason: 'lost', revokedAt: now }, rootSecret);
  const policy = signClinicPolicy(sodium, { clinicId: ids.admin.clinicId, version: 1, issuedAt: now, rules: (directory.rules ?? {}) as Record<string, never> }, rootSecret);
  const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: ids.admin.clinicId, deviceId: ids.admin.deviceId, challenge: toBase64(new Uint8Array(32)) }, secretKeyOf(ids.admin));
  const { epochs } = (await request(sockets.admin, 'records.get', {})) as { epochs: Json[] };
  const { pending } = (await request(sockets.admin, 'invite.pending', {})) as { pending: Json[] };
  const raw = (await request(sockets.admin, 'directory.get', {})) as { patients: { enrollment: Json; redemption: Json }[]; staff: Json[] };
  templates.push(
    { type: 'message.send', body: { envelope: validEnvelope } as unknown as Json },
    { type: 'consent.publish', body: { consent } as unknown as Json },
    { type: 'device.revoke', body: { revocation } as unknown as Json },
    { type: 'policy.publish', body: { policy } as unknown as Json },
    { type: 'auth.login', body: { proof } as unknown as Json },
    { type: 'records.publish', body: { epoch: epochs[epochs.length - 1] as Json } },
    { type: 'enroll.redeem', body: { redemption: raw.patients[0]!.redemption } },
    { type: 'enroll.create', body: { enrollment: raw.patients[0]!.enrollment, consent } as unknown as Json },
    { type: 'device.certify', body: { inviteId: 'INVITEID0000000A', certificate: raw.staff[0] as Json } },
    { type: 'sync', body: { after: 0, limit: 10 } },
    { type: 'receipt.send', body: { messageId: 'm-fuzz-template', kind: 'read' } },
  );
  expect(pending).toEqual([]);
}, 30_000);

afterAll(async () => {
  for (const socket of Object.values(sockets)) await socket?.close().catch(() => undefined);
  await c?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
});

const types = Object.keys(requests) as RequestType[];
const who = fc.constantFrom('admin', 'clinician', 'frontDesk', 'patient', 'anonymous') as fc.Arbitrary<keyof typeof sockets>;

const frameArb = fc.oneof(
  // Arbitrary JSON as the body of every request type.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('random' as const), type: fc.constantFrom(...types), body: fc.jsonValue({ maxDepth: 4 }) }) },
  // A valid body, mutated: bytes flipped in base64 fields, fields deleted or added, huge strings.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mutated' as const), template: fc.nat(), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }) },
  // A valid body with only bytes flipped in its base64 fields: it passes the schema and reaches the handlers.
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      template: fc.nat(),
      mutations: fc.array(mutationArb.map((m) => ({ ...m, kind: 'flip' as const })), { minLength: 1, maxLength: 2 }),
    }),
  },
  // Whole frames that are barely frames.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.oneof(fc.string({ maxLength: 64 }), fc.json({ maxDepth: 3 })) }) },
);

describe('the relay under arbitrary frames', () => {
  it('answers every frame with a typed refusal (never internal) or a valid answer, and the socket stays usable', async () => {
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(who, frameArb, async (from, input) => {
        const socket = sockets[from];
        let sent: { id: string | null; text: string };
        if (input.kind === 'random') sent = frame(input.type, input.body);
        else if (input.kind === 'mutated') {
          const template = templates[input.template % templates.length]!;
          sent = frame(template.type, mutate(template.body, input.mutations));
        } else sent = { id: null, text: input.text };
        const value = await socket.send(sent.text);
        const answer = answerSchema.safeParse(value);
        expect(answer.success, JSON.stringify(value).slice(0, 300)).toBe(true);
        if (!answer.success) return;
        if (!answer.data.ok) {
          const code = answer.data.error.code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          expect(ANSWER_ERROR_CODES).toContain(code);
          expect(code, answer.data.error.message).not.toBe('internal');
          if (sent.id !== null && Buffer.byteLength(sent.text) <= MAX_FRAME_BYTES) expect(answer.data.re).toBe(sent.id);
        } else {
          codes.set('ok', (codes.get('ok') ?? 0) + 1);
          expect(answer.data.re).toBe(sent.id);
        }
        // The socket is still there, and still logged in where it was.
        const pong = answerSchema.parse(await socket.send(frame('ping', {}).text));
        expect(pong.ok).toBe(true);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 250) },
    );
    // Still logged in, still the same clinic: a valid request from each device works.
    await request(sockets.clinician, 'sync', { after: 0 });
    await request(sockets.patient, 'sync', { after: 0 });
    await request(sockets.admin, 'records.get', {});
    await request(sockets.frontDesk, 'directory.get', {});
    expect(codes.size).toBeGreaterThan(3);
    // Give any stray promise a turn to reject before checking.
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------- pure parsers

const onlyThrows = (fn: () => unknown, type: abstract new (...args: never[]) => Error): void => {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`threw ${String(error)} instead of ${type.name}`);
  }
};

describe('protocol parsers under arbitrary input', () => {
  it('parseEnvelope and openEnvelope throw only EnvelopeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }).map((m) => mutate(validEnvelope as unknown as Json, m))), (input) => {
        onlyThrows(() => {
          const parsed = parseEnvelope(input);
          openEnvelope(sodium, parsed, { recipientId: patientDeviceId, boxKeyPair: patientBox, senderSigningPublicKey: clinicianSigning });
        }, EnvelopeError);
      }),
      { numRuns: 300 },
    );
    // The unmutated template opens, so the property above exercised the real path.
    expect(new TextDecoder().decode(openEnvelope(sodium, parseEnvelope(validEnvelope), { recipientId: patientDeviceId, boxKeyPair: patientBox, senderSigningPublicKey: clinicianSigning }).body)).toMatch(/template/);
  });

  it('parseSigned and verifySigned throw only DocumentError', () => {
    const signer = sodium.crypto_sign_keypair();
    const valid = signDocument(
      sodium,
      PREFIX.consentStatus,
      consentStatusSchema,
      { v: 1, clinicId: 'c1', patientId: 'p1', version: 3, activeScopes: ['clinical', 'reminders'], expiresAt: null, issuedBy: 'd1', issuedAt: 1_700_000_000_000 },
      signer.privateKey,
    ) as unknown as Json;
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }).map((m) => mutate(valid, m))), (input) => {
        onlyThrows(() => parseSigned(consentStatusSchema, input), DocumentError);
        onlyThrows(() => verifySigned(sodium, PREFIX.consentStatus, consentStatusSchema, input, signer.publicKey), DocumentError);
        onlyThrows(() => verifySigned(sodium, PREFIX.consentStatus, consentStatusSchema, input, new Uint8Array(3)), DocumentError);
      }),
      { numRuns: 300 },
    );
    expect(verifySigned(sodium, PREFIX.consentStatus, consentStatusSchema, valid, signer.publicKey).version).toBe(3);
  });

  it('parseCode throws only CodeError', () => {
    const code = formatCode(sodium, createCode(sodium, 'enrollment', rootFingerprintBytes(sodium, sodium.crypto_sign_keypair().publicKey)));
    const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-abcz01 '.split(''));
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(alphabet, { minLength: 80, maxLength: 95 }).map((a) => a.join('')),
      fc.tuple(fc.nat({ max: code.length - 1 }), alphabet).map(([at, ch]) => code.slice(0, at) + ch + code.slice(at + 1)),
    );
    fc.assert(
      fc.property(input, fc.constantFrom('invite' as const, 'enrollment' as const), (text, kind) => {
        onlyThrows(() => parseCode(sodium, text, kind), CodeError);
      }),
      { numRuns: 500 },
    );
    expect(parseCode(sodium, code.toLowerCase(), 'enrollment').kind).toBe('enrollment');
  });
});
