// Alerts for IT at the relay (ADR 16): only a staff device's own signature is taken, under
// its own device id and clinic; the same alert is stored once; IT admins are pushed at once
// and list them; a device that floods is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PREFIX, staffAlertSchema } from '../../shared/protocol/documents';
import { signDocument } from '../../shared/protocol/signed';
import { type RelayCore, type Session, createRelayCore } from '../core';
import { silentRelayLogger } from '../log';
import { type RelayStore } from '../store/relay-store';
import { openSqliteRelayStore } from '../store/sqlite-store';
import { ALERTS_PER_DEVICE_PER_DAY } from './alerts';

const NOW = Date.parse('2026-12-07T15:00:00Z');
const CLINIC = 'cLakeside01';

describe('alerts for IT at the relay', () => {
  let dir: string;
  let store: RelayStore;
  let core: RelayCore;
  const keys = new Map<string, { publicKey: Uint8Array; privateKey: Uint8Array }>();
  const pushes: string[] = [];

  beforeAll(async () => {
    await sodium.ready;
    dir = mkdtempSync(join(tmpdir(), 'cm-relay-alerts-'));
    store = await openSqliteRelayStore(join(dir, 'relay.db'));
    await store.bindClinic({ clinicId: CLINIC, rootPublicKey: sodium.randombytes_buf(32), boundAt: 0 });
    for (const [deviceId, role] of [['dClinician01', 'clinician'], ['dAdmin000001', 'it-admin'], ['dDesk0000001', 'front-desk']] as const) {
      const pair = sodium.crypto_sign_keypair();
      keys.set(deviceId, pair);
      await store.putDevice({ deviceId, kind: 'staff', role, staffId: `s-${deviceId}`, patientId: null, signingKey: pair.publicKey, boxKey: sodium.randombytes_buf(32), proofJson: '{}', createdAt: 0, revokedAt: null, revocationJson: null });
    }
    core = createRelayCore({ store, sodium, log: silentRelayLogger, checkSetupToken: () => false, now: () => NOW });
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = async (deviceId: string): Promise<Session> => {
    const s: Session = { challenge: null, device: await store.getDevice(deviceId), push: (kind) => void pushes.push(`${deviceId}:${kind}`), kick: () => undefined };
    core.attach(s);
    return s;
  };

  const alert = (signer: string, overrides: Record<string, unknown> = {}) =>
    signDocument(
      sodium,
      PREFIX.staffAlert,
      staffAlertSchema,
      { v: 1, clinicId: CLINIC, alertId: `a${Math.random().toString(36).slice(2, 12)}`, deviceId: signer, raisedAt: NOW, kind: 'portal-mismatch', vouchedAt: NOW - 1000, differences: [{ path: '/index.html', problem: 'changed' }], ...overrides },
      (keys.get(signer) as { privateKey: Uint8Array }).privateKey,
    );

  it('stores a staff device’s own alert once and pushes it to the IT admins only', async () => {
    const it1 = await session('dAdmin000001');
    const desk = await session('dDesk0000001');
    const dr = await session('dClinician01');
    const signed = alert('dClinician01');
    expect(await core.handle(dr, 'alert.raise', { alert: signed })).toEqual({ stored: true });
    expect(await core.handle(dr, 'alert.raise', { alert: signed })).toEqual({ stored: false });
    expect(pushes).toEqual(['dAdmin000001:alerts']);
    const listed = (await core.handle(it1, 'alert.list', { after: 0 })) as { alerts: { alertSeq: number; alert: unknown }[]; more: boolean };
    expect(listed.alerts).toHaveLength(1);
    expect(listed.alerts[0]?.alert).toEqual(signed);
    await expect(core.handle(desk, 'alert.list', { after: 0 })).rejects.toMatchObject({ code: 'forbidden' });
    for (const s of [it1, desk, dr]) core.detach(s);
  });

  it('refuses an alert signed by another key, raised in another device’s name, or for another clinic', async () => {
    const dr = await session('dClinician01');
    const forged = { ...alert('dClinician01'), signature: alert('dAdmin000001').signature };
    await expect(core.handle(dr, 'alert.raise', { alert: forged })).rejects.toMatchObject({ code: 'bad-signature' });
    const tampered = alert('dClinician01');
    await expect(core.handle(dr, 'alert.raise', { alert: { ...tampered, document: { ...tampered.document, differences: [{ path: '/favicon.svg', problem: 'changed' }] } } })).rejects.toMatchObject({ code: 'bad-signature' });
    await expect(core.handle(dr, 'alert.raise', { alert: alert('dAdmin000001') })).rejects.toMatchObject({ code: 'bad-signature' });
    // Signed by the sender, but naming another device.
    const pair = keys.get('dClinician01') as { privateKey: Uint8Array };
    const other = signDocument(sodium, PREFIX.staffAlert, staffAlertSchema, { ...alert('dClinician01').document, deviceId: 'dAdmin000001' }, pair.privateKey);
    await expect(core.handle(dr, 'alert.raise', { alert: other })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(core.handle(dr, 'alert.raise', { alert: alert('dClinician01', { clinicId: 'cOther00001' }) })).rejects.toMatchObject({ code: 'wrong-clinic' });
    await expect(core.handle(dr, 'alert.raise', { alert: { document: { v: 1 }, signature: forged.signature } })).rejects.toBeTruthy();
    core.detach(dr);
  });

  it('refuses a device that raises more than its daily share', async () => {
    const desk = await session('dDesk0000001');
    for (let i = 0; i < ALERTS_PER_DEVICE_PER_DAY; i += 1) await core.handle(desk, 'alert.raise', { alert: alert('dDesk0000001') });
    await expect(core.handle(desk, 'alert.raise', { alert: alert('dDesk0000001') })).rejects.toMatchObject({ code: 'rate-limited' });
    core.detach(desk);
  });
});
