// The relay's dispatch enforces the audience each request declares (`requests[type].who`),
// for every request type and every kind of sender, before a handler runs. Senders outside the
// audience get `forbidden` (or `not-authenticated` before login) whatever they send; senders
// inside it reach the handler (which may then refuse the empty body for its own reasons).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Audience, type RequestType, requests } from '../shared/protocol/relay-frames';
import { type RelayCore, RelayRefusal, type Session, createRelayCore } from './core';
import { silentRelayLogger } from './log';
import { type DeviceRecord, type RelayStore } from './store/relay-store';
import { openSqliteRelayStore } from './store/sqlite-store';

type Sender = 'front-desk' | 'clinician' | 'it-admin' | 'patient';

const device = (deviceId: string, sender: Sender): DeviceRecord => ({
  deviceId,
  kind: sender === 'patient' ? 'patient' : 'staff',
  role: sender === 'patient' ? null : sender,
  staffId: sender === 'patient' ? null : `staff-${deviceId}`,
  patientId: sender === 'patient' ? 'pat-1' : null,
  signingKey: sodium.randombytes_buf(32),
  boxKey: sodium.randombytes_buf(32),
  proofJson: '{}',
  createdAt: 0,
  revokedAt: null,
  revocationJson: null,
});

/** Who each audience admits, written out by hand: the table the relay must agree with. */
const admits: Record<Exclude<Audience, 'anyone'>, readonly Sender[]> = {
  device: ['front-desk', 'clinician', 'it-admin', 'patient'],
  staff: ['front-desk', 'clinician', 'it-admin'],
  reader: ['clinician', 'it-admin'],
  writer: ['clinician', 'it-admin', 'patient'],
  registrar: ['front-desk', 'it-admin'],
  'it-admin': ['it-admin'],
  patient: ['patient'],
};

const senders: Record<Sender, string> = { 'front-desk': 'dDesk0001', clinician: 'dClinician01', 'it-admin': 'dAdmin000001', patient: 'dPatient0000001' };

describe('the relay dispatch', () => {
  let dir: string;
  let store: RelayStore;
  let core: RelayCore;

  beforeAll(async () => {
    await sodium.ready;
    dir = mkdtempSync(join(tmpdir(), 'cm-relay-core-'));
    store = await openSqliteRelayStore(join(dir, 'relay.db'));
    for (const [sender, id] of Object.entries(senders)) await store.putDevice(device(id, sender as Sender));
    core = createRelayCore({ store, sodium, log: silentRelayLogger, checkSetupToken: () => false, now: () => Date.parse('2026-12-02T15:00:00Z') });
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = async (sender: Sender | null): Promise<Session> => ({
    challenge: null,
    device: sender ? await store.getDevice(senders[sender]) : null,
    push: () => undefined,
    kick: () => undefined,
  });

  const outcome = async (type: RequestType, sender: Sender | null): Promise<string> => {
    try {
      await core.handle(await session(sender), type, {});
      return 'handled';
    } catch (error) {
      return error instanceof RelayRefusal ? error.code : 'handled';
    }
  };

  const restricted = (Object.keys(requests) as RequestType[]).filter((type) => requests[type].who !== 'anyone');

  it('covers every request type with a declared audience', () => {
    expect(restricted.length).toBeGreaterThan(15);
    for (const type of restricted) expect(Object.keys(admits)).toContain(requests[type].who);
  });

  for (const type of restricted) {
    const audience = requests[type].who as Exclude<Audience, 'anyone'>;
    it(`${type}: only ${audience} senders get past the dispatch`, async () => {
      expect(await outcome(type, null)).toBe('not-authenticated');
      for (const sender of Object.keys(senders) as Sender[]) {
        const result = await outcome(type, sender);
        if (admits[audience].includes(sender)) expect(result, `${sender} sending ${type}`).not.toBe('forbidden');
        else expect(result, `${sender} sending ${type}`).toBe('forbidden');
      }
    });
  }

  it('lets a revoked device through nowhere, from its very next frame', async () => {
    const id = 'dRevoked000001';
    await store.putDevice(device(id, 'clinician'));
    const s: Session = { challenge: null, device: await store.getDevice(id), push: () => undefined, kick: () => undefined };
    await store.revokeDevice(id, '{}', 1);
    await expect(core.handle(s, 'sync', { after: 0 })).rejects.toMatchObject({ code: 'revoked' });
    expect(s.device).toBeNull();
  });
});
