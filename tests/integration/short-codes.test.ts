// Short codes against a real relay (ADR 15): a patient connects with the 16-character code
// and the date of birth; each refusal has its own message and none says which part was
// wrong; 1,000 wrong tries from many sockets leave the code refused after 5; the per-address
// limit holds; a staff member joins with the short invite code and still waits for IT; and
// neither the short code nor the date of birth is anywhere in the relay's files.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { EnrollError, RelayError as PortalRelayError } from '../../src/portal/client/enroll';
import { type HeadlessClinic, HeadlessPatient, openDevice, startHeadlessClinic } from '../../tools/headless';
import { RelayError, connectRelay } from '../../src/main/network/relay-connection';
import { formatShortCode, parseShortCode } from '../../src/shared/protocol/short-code';
import { startRelay } from '../../src/relay/server';
import { createMemoryRelayLogger } from '../../src/relay/log';
import { toBase64 } from '../../src/shared/protocol/encoding';

const dirs: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clinic(relay?: Parameters<typeof startHeadlessClinic>[0]['relay']): Promise<HeadlessClinic> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-short-'));
  dirs.push(dir);
  const c = await startHeadlessClinic({ dir, ...(relay ? { relay } : {}) });
  cleanups.push(() => c.close());
  return c;
}

const BIRTH = '1980-04-02';

async function enrollShort(c: HeadlessClinic, name: string, code: string, birthDate: string): Promise<HeadlessPatient> {
  const patient = await HeadlessPatient.enroll({ name, dir: c.devicesDir, relayUrl: c.relay.url, code, birthDate });
  cleanups.push(() => patient.close());
  return patient;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PortalRelayError || error instanceof RelayError || error instanceof EnrollError) return error.code;
    throw error;
  }
  return 'no error';
}

/** Every file under `dir`, as text, for a search. */
function everything(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out += statSync(path).isDirectory() ? everything(path) : readFileSync(path).toString('latin1');
  }
  return out;
}

describe('short codes at the relay', () => {
  it('connect a patient with the short code and the date of birth; each refusal is its own, and none says which part was wrong', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const issued = await desk.client.enrollPatient({ patientId: 'pat-1', scopes: ['clinical'], birthDate: BIRTH });
    expect(issued.shortCode).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    const short = issued.shortCode as string;

    // A typo is named by its group before the relay is asked.
    const typo = `${short.slice(0, 6)}${short[6] === 'A' ? 'B' : 'A'}${short.slice(7)}`;
    await expect(enrollShort(c, 'p-typo', typo, BIRTH)).rejects.toMatchObject({ code: 'typo', group: 2 });
    await expect(enrollShort(c, 'p-date', short, '1980-02-30')).rejects.toMatchObject({ code: 'birth-date' });

    // A wrong date of birth and a code that does not exist say the same thing.
    expect(await refusal(enrollShort(c, 'p-wrong', short, '1980-04-03'))).toBe('code-or-birth-date');
    const other = await desk.client.enrollPatient({ patientId: 'pat-other', scopes: ['clinical'], birthDate: BIRTH });
    const unknownLookup = `${(other.shortCode as string).slice(0, 3) === 'ZZZ' ? 'YYY' : 'ZZZ'}`;
    const parsed = parseShortCode(short, 'enrollment');
    // Same secret under a lookup id nobody holds: a well-formed code the clinic never issued.
    const neverIssued = formatShortCode({ ...parsed, lookupId: unknownLookup });
    expect(await refusal(enrollShort(c, 'p-unknown', neverIssued, BIRTH))).toBe('code-or-birth-date');

    // The right code and date: connected as the patient the front desk enrolled.
    const patient = await enrollShort(c, 'patient', short, BIRTH);
    expect(patient.patientId).toBe('pat-1');
    expect(patient.client.snapshot().fingerprint).toBe(issued.fingerprint);

    // Used, then: only someone holding both learns it.
    expect(await refusal(enrollShort(c, 'p-again', short, BIRTH))).toBe('already-used');
    expect(await refusal(enrollShort(c, 'p-again-wrong', short, '1999-01-01'))).toBe('code-or-birth-date');

    // Expired, and a consent withdrawn before the code was used.
    const late = await desk.client.enrollPatient({ patientId: 'pat-late', scopes: ['clinical'], birthDate: BIRTH, validForMs: 1500 });
    while (Date.now() <= late.expiresAt) await new Promise((r) => setTimeout(r, 50));
    expect(await refusal(enrollShort(c, 'p-late', late.shortCode as string, BIRTH))).toBe('expired');
    const withdrawn = await desk.client.enrollPatient({ patientId: 'pat-gone', scopes: ['clinical'], birthDate: BIRTH });
    await desk.client.publishConsent('pat-gone', [], null);
    expect(await refusal(enrollShort(c, 'p-gone', withdrawn.shortCode as string, BIRTH))).toBe('no-consent');
  }, 60_000);

  it('refuses a code for good after 5 wrong proofs, even against 1,000 tries from many sockets at once', async () => {
    const c = await clinic({ authRate: { capacity: 100_000, refillPerSecond: 10_000 }, connectionRate: { capacity: 1000, refillPerSecond: 100 } });
    const desk = await c.addStaff('desk', 'front-desk');
    const issued = await desk.client.enrollPatient({ patientId: 'pat-1', scopes: ['clinical'], birthDate: BIRTH });
    const { lookupId } = parseShortCode(issued.shortCode as string, 'enrollment');

    // Proofs made with random keys: the Argon2id work an attacker would do buys nothing here.
    const sockets = await Promise.all(Array.from({ length: 20 }, () => connectRelay(c.relay.url, { timeoutMs: 20_000 })));
    cleanups.push(() => Promise.all(sockets.map((s) => s.close())));
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const socket = sockets[i % sockets.length]!;
        try {
          const { challengeId } = await socket.request('code.challenge', { lookupId });
          await socket.request('code.open', { lookupId, challengeId, signature: toBase64(sodium.randombytes_buf(64)) });
          return 'opened';
        } catch (error) {
          return (error as RelayError).code;
        }
      }),
    );
    const counts = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});
    expect(counts.opened).toBeUndefined();
    // Exactly four plain failures; the fifth refuses the code, and so does everything after.
    expect(counts['code-or-birth-date']).toBe(4);
    expect(counts['code-refused']).toBe(996);

    // The right code and date of birth no longer help: the front desk must issue a new code.
    expect(await refusal(enrollShort(c, 'patient', issued.shortCode as string, BIRTH))).toBe('code-refused');
  }, 120_000);

  it('limits tries per address, and a staff member joins with the short invite code, still waiting for IT', async () => {
    const c = await clinic();
    const invite = await c.admin.client.createInviteCodes({ staffId: 'staff-dr', displayName: 'Dr Lee', role: 'clinician' });
    expect(invite.shortCode).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    const dir = mkdtempSync(join(tmpdir(), 'cm-short-dr-'));
    dirs.push(dir);
    const dr = await openDevice(dir, 'dr');
    cleanups.push(() => dr.client.close());
    // Typed in lower case, without dashes.
    const joined = await dr.client.redeemInvite({ relayUrl: c.relay.url, code: invite.shortCode.toLowerCase().replace(/-/g, '') });
    expect(joined.role).toBe('clinician');
    expect(dr.client.summary()?.pending).toBe(true);
    await c.admin.client.approvePendingDevices();
    expect(await dr.client.completeJoin()).toBe(true);

    // Per address, with the relay's default limits: tries beyond the burst wait.
    const bare = await startRelay({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'cm-short-rate-')) });
    cleanups.push(() => bare.close());
    const socket = await connectRelay(bare.url, { timeoutMs: 5000 });
    cleanups.push(() => socket.close());
    const results: string[] = [];
    for (let i = 0; i < 40; i += 1) results.push(await refusal(socket.request('code.challenge', { lookupId: 'ABC' })));
    expect(results.filter((r) => r === 'rate-limited').length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('never puts the short code or the date of birth in the relay’s files or log', async () => {
    const logger = createMemoryRelayLogger();
    const c = await clinic({ logger });
    const desk = await c.addStaff('desk', 'front-desk');
    const issued = await desk.client.enrollPatient({ patientId: 'pat-1', scopes: ['clinical'], birthDate: '1957-11-23' });
    const short = issued.shortCode as string;
    await enrollShort(c, 'patient', short, '1957-11-23');
    await c.restartRelay(); // folds the WAL into the file, so both are searched
    const files = everything(join(c.devicesDir, '..', 'relay'));
    expect(files.length).toBeGreaterThan(10_000);
    const { secret } = parseShortCode(short, 'enrollment');
    const log = logger.lines.join('\n');
    expect(log).toContain('short-code.opened');
    for (const needle of [short, short.replace(/-/g, ''), secret, '1957-11-23', '19571123']) {
      expect(files).not.toContain(needle);
      expect(log).not.toContain(needle);
    }
  }, 60_000);
});
