// `npm run bench -- --only newsletter`: a newsletter from the front desk to 5,000 patients
// (500 with --quick yes) through a real relay on loopback, as the app sends it (ADR 18): every
// patient's consent checked, one envelope sealed per patient (records key and their devices),
// kept sealed in the encrypted device store, then sent with notice.send and stored with
// synchronous = FULL. One in five patients did not agree to newsletters, and one in fifty who
// agreed never connected the portal: both are refused with their reason. The baseline,
// measured in the same run, seals the same envelopes with libsodium alone (no store, no relay).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { loadSodium } from '../../src/portal/crypto/sodium';
import { redeemEnrollment } from '../../src/portal/client/enroll';
import { wsUrlFor } from '../../src/portal/client/relay-socket';
import { sealMessage } from '../../src/shared/protocol/delivery';
import sodium from 'libsodium-wrappers-sumo';

import { codeKeys, createCode } from '../../src/shared/protocol/codes';
import { PREFIX, consentStatusSchema, enrollmentSchema } from '../../src/shared/protocol/documents';
import { toBase64 } from '../../src/shared/protocol/encoding';
import { decodeChecked } from '../../src/shared/protocol/fields';
import { rootFingerprintBytes } from '../../src/shared/protocol/keys';
import { signDocument } from '../../src/shared/protocol/signed';
import { startHeadlessClinic } from '../headless';
import { type Identity, PipelinedSocket } from './seed-inbox';

type Write = (name: string, result: Record<string, unknown>) => void;

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const mib = (bytes: number) => round(bytes / 2 ** 20);

function spread(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { runs: sorted.length, min: round(sorted[0] ?? NaN), median: round(sorted[Math.floor(sorted.length / 2)] ?? NaN), max: round(sorted.at(-1) ?? NaN) };
}

export async function benchNewsletter(options: { quick: boolean; work: string; write: Write }): Promise<void> {
  const patients = options.quick ? 500 : 5000;
  const repeats = options.quick ? 2 : 3;
  const dir = join(options.work, 'newsletter');
  mkdirSync(dir, { recursive: true });
  const generous = { capacity: 1_000_000, refillPerSecond: 100_000 };
  const clinic = await startHeadlessClinic({ dir, relay: { connectionRate: generous, authRate: generous } });
  try {
    const desk = await clinic.addStaff('desk', 'front-desk');
    const portalSodium = await loadSodium();
    const wsUrl = wsUrlFor(clinic.relay.url);
    const setupStarted = performance.now();
    // The enrollments go out as the front desk's client signs them, over one pipelined socket
    // and with the client offline: its directory would otherwise be fetched again and checked
    // on every push (each new device changes it), which measures the set-up, not the newsletter.
    await sodium.ready;
    const identity = desk.client.local.get<Identity & { rootPublicKey: string }>('identity');
    if (!identity) throw new Error('the front desk has no identity');
    await desk.client.disconnect();
    await clinic.admin.client.disconnect();
    const signingKey = decodeChecked(identity.signing.privateKey);
    const fingerprint = rootFingerprintBytes(sodium, decodeChecked(identity.rootPublicKey));
    const socket = await PipelinedSocket.login(wsUrl, identity);
    const codes: ReturnType<typeof createCode>[] = [];
    try {
      const items = Array.from({ length: patients }, (_, i) => {
        const patientId = `pat-${String(i).padStart(5, '0')}`;
        const activeScopes: ('clinical' | 'newsletters')[] = i % 5 === 4 ? ['clinical'] : ['clinical', 'newsletters'];
        const code = createCode(sodium, 'enrollment', fingerprint);
        // One in fifty never connects a device.
        if (i % 50 !== 7) codes.push(code);
        const issuedAt = Date.now();
        return {
          type: 'enroll.create',
          body: () => ({
            enrollment: signDocument(
              sodium,
              PREFIX.enrollment,
              enrollmentSchema,
              { v: 1, clinicId: identity.clinicId, enrollmentId: code.id, patientId, enrollmentKey: toBase64(codeKeys(sodium, code).publicKey), issuedBy: identity.deviceId, issuedAt, expiresAt: issuedAt + 30 * 86_400_000 },
              signingKey,
            ),
            consent: signDocument(
              sodium,
              PREFIX.consentStatus,
              consentStatusSchema,
              { v: 1, clinicId: identity.clinicId, patientId, version: 1, activeScopes, expiresAt: null, issuedBy: identity.deviceId, issuedAt },
              signingKey,
            ),
          }),
        };
      });
      await socket.all(items, 8, () => undefined);
    } finally {
      socket.close();
    }
    let next = 0;
    const redeem = async (): Promise<void> => {
      while (next < codes.length) {
        const code = codes[next++] as ReturnType<typeof createCode>;
        // The code as the portal holds it once checked (the check itself only reads the clinic's public info).
        const checked = { code, clinicId: identity.clinicId, rootPublicKey: identity.rootPublicKey, fingerprint: '', clinicName: null };
        await redeemEnrollment(portalSodium, wsUrl, checked, Date.now());
      }
    };
    await Promise.all(Array.from({ length: 8 }, redeem));
    console.log(`  newsletter: ${patients} patients enrolled, ${codes.length} devices connected (${round((performance.now() - setupStarted) / 1000)} s)`);
    const setupMs = performance.now() - setupStarted;

    const body = 'Flu shots are here. Walk in any weekday morning from 8:30, no appointment needed. Bring your health card. '.repeat(4).trim();
    const runs: Record<string, unknown>[] = [];
    const totals: number[] = [];
    const perPatient: number[] = [];
    const baselines: number[] = [];
    const peaks: number[] = [];
    for (let r = 0; r < repeats; r++) {
      // Baseline: the same envelopes sealed with libsodium alone.
      const directory = await desk.client.verifiedDirectory(true);
      // A key of the same kind: the cost of a signature does not depend on whose key it is.
      const signing = portalSodium.crypto_sign_keypair().privateKey;
      const reachable = [...directory.consents.keys()].filter((id) => [...directory.devices.values()].some((d) => d.kind === 'patient' && d.patientId === id));
      const baseStarted = performance.now();
      for (const patientId of reachable) sealMessage(portalSodium, directory, { messageId: 'mBaseline0001', patientId, senderDeviceId: desk.client.deviceId, scope: 'newsletters', body, sentAt: Date.now() }, signing);
      const baselineMs = performance.now() - baseStarted;

      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      let heapPeak = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        rssPeak = Math.max(rssPeak, m.rss);
        heapPeak = Math.max(heapPeak, m.heapUsed);
      }, 25);
      const started = performance.now();
      const created = await desk.client.notices.createNewsletter(`${body} (${r + 1})`);
      const createMs = performance.now() - started;
      const done = await desk.client.notices.run(created.campaignId);
      const totalMs = performance.now() - started;
      clearInterval(sampler);
      const run = {
        totalMs: round(totalMs),
        createMs: round(createMs),
        sendMs: round(totalMs - createMs),
        msPerPatient: round(totalMs / patients, 2),
        baselineSealMs: round(baselineMs),
        overBaseline: round(totalMs / baselineMs, 2),
        sent: done.sent,
        refused: done.refused,
        reasons: done.reasons,
        queued: done.queued,
        rssPeakMiB: mib(rssPeak),
        rssGrowthMiB: mib(rssPeak - rssBefore),
        heapPeakMiB: mib(heapPeak),
      };
      console.log(`  newsletter run ${r + 1}: ${JSON.stringify(run)}`);
      runs.push(run);
      totals.push(totalMs);
      perPatient.push(totalMs / patients);
      baselines.push(baselineMs);
      peaks.push(rssPeak / 2 ** 20);
    }
    const last = runs.at(-1) as { sent: number; refused: number; reasons: Record<string, number> };
    options.write('newsletter', {
      what: 'newsletter from the front desk to every patient, sealed per patient, through the relay on loopback',
      patients,
      sent: last.sent,
      refused: last.refused,
      reasons: last.reasons,
      setupMs: round(setupMs),
      totalMs: spread(totals),
      msPerPatient: round([...perPatient].sort((a, b) => a - b)[Math.floor(perPatient.length / 2)] ?? NaN, 2),
      baselineSealMs: spread(baselines),
      rssPeakMiB: spread(peaks),
      runs,
    });
  } finally {
    await clinic.close();
  }
}
