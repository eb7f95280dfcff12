// `npm run bench -- --only network`: the message path on loopback. Envelope seal/open cost,
// send-to-receive latency between two real clients through a real relay, and how many
// message.send frames the relay accepts per second next to a bare WebSocket echo server.
import { mkdirSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { WebSocket, WebSocketServer } from 'ws';

import { PREFIX, relayAuthSchema } from '../../src/shared/protocol/documents';
import { toBase64 } from '../../src/shared/protocol/encoding';
import { type Envelope, type EnvelopeRecipient, openEnvelope, parseEnvelope, sealEnvelope } from '../../src/shared/protocol/envelope';
import { decodeChecked } from '../../src/shared/protocol/fields';
import { generateDeviceKeys } from '../../src/shared/protocol/keys';
import { signDocument } from '../../src/shared/protocol/signed';
import { type HeadlessClinic, type HeadlessDevice, HeadlessPatient, startHeadlessClinic } from '../headless';

export type NetworkBenchContext = {
  readonly quick: boolean;
  readonly work: string;
  readonly write: (name: string, result: Record<string, unknown>) => void;
};

type Quantiles = { runs: number; p50: number; p95: number; p99: number; min: number; max: number };

function quantiles(samples: readonly number[], digits = 2): Quantiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const f = 10 ** digits;
  const round = (n: number) => Math.round(n * f) / f;
  return { runs: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), min: round(sorted[0] ?? NaN), max: round(sorted.at(-1) ?? NaN) };
}

/** ~1 KiB of text, different per message. */
const bodyText = (i: number): string => `Message ${i}: ${'Blood pressure readings this week were 128/82 in the evening, slight dizziness in the morning. '.repeat(11)}`.slice(0, 1024);

// ------------------------------------------------------------------ 1. envelope seal / open

function benchEnvelope(iterations: number) {
  const sender = generateDeviceKeys(sodium);
  const records = sodium.crypto_box_keypair();
  const devices = Array.from({ length: 10 }, () => generateDeviceKeys(sodium));
  const body = new TextEncoder().encode(bodyText(0));
  const run = (deviceCount: number) => {
    const recipients: EnvelopeRecipient[] = [
      { to: 'records:3', boxPublicKey: records.publicKey },
      ...devices.slice(0, deviceCount).map((d, i) => ({ to: `device-${i}`, boxPublicKey: d.box.publicKey })),
    ];
    const seal = (i: number): Envelope =>
      sealEnvelope(sodium, {
        messageId: `m-bench-${i}`,
        conversationId: 'pat-1',
        patientId: 'pat-1',
        senderDeviceId: 'd-sender',
        sentAt: Date.now(),
        scope: 'clinical',
        recordsEpoch: 3,
        body,
        recipients,
        senderSigningKey: sender.signing.privateKey,
      });
    const reader = devices[deviceCount - 1] as (typeof devices)[number];
    const open = (envelope: Envelope) =>
      openEnvelope(sodium, parseEnvelope(envelope), { recipientId: `device-${deviceCount - 1}`, boxKeyPair: reader.box, senderSigningPublicKey: sender.signing.publicKey });
    const warmUp = Math.max(100, Math.round(iterations / 5));
    for (let i = 0; i < warmUp; i++) open(seal(i));
    const sealUs: number[] = [];
    const openUs: number[] = [];
    let wireBytes = 0;
    for (let i = 0; i < iterations; i++) {
      let t = performance.now();
      const envelope = seal(i);
      sealUs.push((performance.now() - t) * 1000);
      // The relay connection hands the client a JSON-parsed object: parse starts from that.
      const received = JSON.parse(JSON.stringify(envelope)) as unknown;
      t = performance.now();
      const opened = parseEnvelope(received);
      openEnvelope(sodium, opened, { recipientId: `device-${deviceCount - 1}`, boxKeyPair: reader.box, senderSigningPublicKey: sender.signing.publicKey });
      openUs.push((performance.now() - t) * 1000);
      wireBytes = JSON.stringify(envelope).length;
    }
    const s = quantiles(sealUs, 1);
    const o = quantiles(openUs, 1);
    return {
      recipientDevices: deviceCount,
      sealedKeys: recipients.length,
      envelopeJsonBytes: wireBytes,
      sealUs: { runs: s.runs, median: s.p50, p95: s.p95, min: s.min, max: s.max },
      openUs: { runs: o.runs, median: o.p50, p95: o.p95, min: o.min, max: o.max },
    };
  };
  return [run(1), run(10)];
}

// ------------------------------------------------------------------ headless clinic helpers

/** A patient device (the portal's client), reporting every change it makes (the portal's way to learn of new messages). */
async function enrolledPatient(clinic: HeadlessClinic, dir: string, name: string, patientId: string, onChange: () => void): Promise<HeadlessPatient> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { code } = await clinic.admin.client.enrollPatient({ patientId, scopes: ['clinical'] });
  const patient = await HeadlessPatient.enroll({ name, dir, relayUrl: clinic.relay.url, code });
  patient.client.subscribe(onChange);
  return patient;
}

/** One WebSocket, one request at a time: send a text frame, resolve with the next non-push frame. */
class RoundTripSocket {
  private waiting: ((text: string) => void) | null = null;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      // The relay pushes "sync" notices on the same socket; they are not answers.
      if (text.startsWith('{"v":1,"push"')) return;
      const resolve = this.waiting;
      this.waiting = null;
      resolve?.(text);
    });
  }

  static async open(url: string): Promise<RoundTripSocket> {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RoundTripSocket(ws);
  }

  roundTrip(text: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.ws.send(text);
    });
  }

  async request(id: string, type: string, body: unknown): Promise<Record<string, unknown>> {
    const answer = JSON.parse(await this.roundTrip(JSON.stringify({ v: 1, id, type, body }))) as { ok: boolean; body?: Record<string, unknown>; error?: { code: string } };
    if (!answer.ok) throw new Error(`${type} refused: ${answer.error?.code ?? '?'}`);
    return answer.body ?? {};
  }

  close(): void {
    this.ws.close();
  }
}

// ------------------------------------------------------------------ 2. send-to-receive latency

async function benchLatency(clinic: HeadlessClinic, clinician: HeadlessDevice, dir: string, messages: number) {
  let notify: () => void = () => undefined;
  const patient = await enrolledPatient(clinic, dir, 'latency-patient', 'pat-latency', () => notify());
  await clinician.client.verifiedDirectory(true);
  // The patient's client is connected (push arrives on its socket) once it has synced once.
  await patient.sync();

  let missedPushes = 0;
  const one = async (i: number): Promise<number> => {
    let messageId: string | null = null;
    let arrived = 0;
    const stored = new Promise<void>((resolve) => {
      notify = () => {
        if (arrived === 0 && messageId !== null && patient.message(messageId)) {
          arrived = performance.now();
          resolve();
        }
      };
    });
    const started = performance.now();
    const sent = await clinician.client.send({ patientId: 'pat-latency', body: bodyText(i) });
    if (sent.state !== 'sent') throw new Error(`message ${i} was not acknowledged (${sent.state})`);
    messageId = sent.messageId;
    notify(); // it may already be there (the push can beat the acknowledgement)
    // A push that never leads to the message being stored would hang here: count it, then sync.
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 2000).unref());
    if ((await Promise.race([stored.then(() => 'ok' as const), timer])) === 'late') {
      missedPushes += 1;
      await patient.sync();
      notify();
      await stored;
    }
    notify = () => undefined;
    // Let the patient's "delivered" receipt and the sync it triggers settle before the next one.
    await new Promise((r) => setTimeout(r, 5));
    return arrived - started;
  };
  const warmUp = 30;
  for (let i = 0; i < warmUp; i++) await one(i);
  missedPushes = 0;
  const samples: number[] = [];
  for (let i = 0; i < messages; i++) samples.push(await one(warmUp + i));
  await patient.close();
  const q = quantiles(samples);
  return { messages, warmUp, bodyBytes: 1024, latencyMs: { p50: q.p50, p95: q.p95, p99: q.p99, min: q.min, max: q.max }, missedPushes };
}

// ------------------------------------------------------------------ 3. relay throughput vs echo

async function runSenders(sockets: readonly RoundTripSocket[], framesPer: readonly (readonly string[])[], check: (answer: string) => void): Promise<number> {
  const started = performance.now();
  await Promise.all(
    sockets.map(async (socket, s) => {
      for (const frame of framesPer[s] ?? []) check(await socket.roundTrip(frame));
    }),
  );
  return performance.now() - started;
}

async function benchThroughput(clinic: HeadlessClinic, dir: string, senders: number, total: number) {
  const perSender = Math.ceil(total / senders);
  const devices = [];
  for (let s = 0; s < senders; s++) devices.push(await enrolledPatient(clinic, dir, `throughput-${s}`, `pat-tp-${s}`, () => undefined));
  // Seal every envelope beforehand, as each patient's client would: records key + the patient's own device.
  const framesPer: string[][] = [];
  const sockets: RoundTripSocket[] = [];
  for (const [s, device] of devices.entries()) {
    const identity = device.identity;
    const directory = await device.verifiedDirectory();
    const epoch = directory.epoch;
    if (!epoch) throw new Error('no records key');
    const signingKey = decodeChecked(identity.signing.privateKey);
    const frames: string[] = [];
    for (let i = 0; i < perSender; i++) {
      const envelope = sealEnvelope(sodium, {
        messageId: `m-tp-${s}-${i}-${toBase64(sodium.randombytes_buf(6)).replace(/[+/=]/g, 'x')}`,
        conversationId: `pat-tp-${s}`,
        patientId: `pat-tp-${s}`,
        senderDeviceId: identity.deviceId,
        sentAt: Date.now(),
        scope: 'clinical',
        recordsEpoch: epoch.epoch,
        body: new TextEncoder().encode(bodyText(i)),
        recipients: [
          { to: `records:${epoch.epoch}`, boxPublicKey: decodeChecked(epoch.publicKey) },
          { to: identity.deviceId, boxPublicKey: decodeChecked(identity.box.publicKey) },
        ],
        senderSigningKey: signingKey,
      });
      frames.push(JSON.stringify({ v: 1, id: `s${s}-${i}`, type: 'message.send', body: { envelope } }));
    }
    framesPer.push(frames);
    await device.close();
    const socket = await RoundTripSocket.open(clinic.relay.wsUrl);
    const { challenge } = (await socket.request('c', 'auth.challenge', {})) as { challenge: string };
    const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: identity.clinicId, deviceId: identity.deviceId, challenge }, signingKey);
    await socket.request('l', 'auth.login', { proof });
    sockets.push(socket);
  }
  const frameBytes = Math.round(framesPer.flat().reduce((n, f) => n + f.length, 0) / (perSender * senders));

  const relayMs = await runSenders(sockets, framesPer, (answer) => {
    const parsed = JSON.parse(answer) as { ok: boolean; body?: { duplicate?: boolean }; error?: { code: string } };
    if (!parsed.ok || parsed.body?.duplicate) throw new Error(`relay refused a message: ${answer.slice(0, 200)}`);
  });
  for (const socket of sockets) socket.close();

  // The same frames, the same number of clients, each waiting for its answer: a bare echo server.
  const echo = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 * 1024 });
  echo.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => echo.once('listening', () => resolve()));
  const echoUrl = `ws://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  const echoSockets = await Promise.all(devices.map(() => RoundTripSocket.open(echoUrl)));
  // Warm up the echo path as the relay's was by the logins and directory fetches.
  await runSenders(echoSockets, framesPer.map((f) => f.slice(0, 50)), () => undefined);
  const echoMs = await runSenders(echoSockets, framesPer, (answer) => {
    JSON.parse(answer);
  });
  for (const socket of echoSockets) socket.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));

  const sent = perSender * senders;
  const relayPerSecond = Math.round(sent / (relayMs / 1000));
  const echoPerSecond = Math.round(sent / (echoMs / 1000));
  return {
    senders,
    messages: sent,
    frameBytes,
    relay: { ms: Math.round(relayMs), messagesPerSecond: relayPerSecond },
    echo: { ms: Math.round(echoMs), roundTripsPerSecond: echoPerSecond },
    relayOverEcho: Math.round((relayPerSecond / echoPerSecond) * 1000) / 1000,
  };
}

export async function benchNetwork(context: NetworkBenchContext): Promise<void> {
  await sodium.ready;
  const { quick } = context;
  const envelope = benchEnvelope(quick ? 500 : 2000);

  const dir = join(context.work, 'network');
  const clinic = await startHeadlessClinic({ dir, relay: { connectionRate: { capacity: 1000, refillPerSecond: 1000 } } });
  try {
    const clinician = await clinic.addStaff('clinician', 'clinician');
    const latency = await benchLatency(clinic, clinician, join(dir, 'extra'), quick ? 300 : 1000);
    // Staff clients would sync and acknowledge every message: disconnected, the relay alone is measured.
    await Promise.all([clinic.admin.client.disconnect(), clinician.client.disconnect()]);
    const throughput = await benchThroughput(clinic, join(dir, 'extra'), 4, 2000);
    context.write('network', {
      parameters: {
        bodyBytes: 1024,
        transport: 'loopback, relay and every client in this one process (2 CPUs shared), no TLS, SQLite relay store with synchronous=FULL',
      },
      envelope: {
        note: 'Per message, microseconds, after warm-up. Seal: content key, body encryption, sealed key per recipient (records key + N devices), signature. Open: parseEnvelope (schema, base64) + signature check + one sealed key + body decryption, starting from the JSON-parsed object.',
        runs: envelope,
      },
      sendToReceive: {
        note: 'From the clinician’s send() call until the message is stored on the connected patient device (the portal’s PatientClient), detected through its subscribe callback (no polling). Sequential, one message in flight; the clinician’s send includes sealing and its own outbox write. missedPushes counts messages not stored within 2 s of the acknowledgement (none expected).',
        ...latency,
      },
      relayThroughput: {
        note: 'Pre-sealed message.send frames, each sender one logged-in WebSocket with one frame in flight (send, wait for the answer, next). The relay checks, stores (one SQLite transaction each, synchronous=FULL) and pushes a hint to the conversation’s other connected devices (never the sender’s own socket); staff clients are disconnected so nothing else loads it; the echo server returns the same frames over the same number of sockets.',
        ...throughput,
      },
    });
  } finally {
    await clinic.close();
  }
}
