import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadSodium, randomBytes } from '../crypto/sodium';
import { auditHash } from './audit-chain';
import { type EncryptedDatabase, openEncrypted } from './open-encrypted';
import { type ProfileDatabase, openProfileDatabase } from './profile-database';
import { type ProfileRepository, createProfileRepository } from './repository';

const t0 = 1_760_000_000_000;

let dir: string;
let key: Uint8Array;
let profile: ProfileDatabase;
let repo: ProfileRepository;
const raws: EncryptedDatabase[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'repository-'));
  key = randomBytes(32);
  profile = openProfileDatabase(join(dir, 'profile.db'), key);
  repo = await createProfileRepository(profile);
  repo.insertPatients([
    {
      id: 'p1',
      givenName: 'Zoë',
      familyName: 'Brûlé-Tremblay',
      dateOfBirth: '1984-02-29',
      contact: { phone: '+1 514 555 0100' },
      substituteDecisionMaker: null,
      createdAt: t0,
    },
  ]);
});
afterEach(() => {
  for (const raw of raws.splice(0)) raw.close();
  profile.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('insertPatients', () => {
  const patient = (id: string, dateOfBirth = '1990-06-15') => ({
    id,
    givenName: 'Élise',
    familyName: 'Gagnon',
    dateOfBirth,
    contact: { email: 'e@example.org' },
    substituteDecisionMaker: { name: 'Marc Gagnon' },
    createdAt: t0,
  });

  it('stores the contact and decision maker as JSON objects', () => {
    repo.insertPatients([patient('p2')]);
    const row = profile.db.prepare('SELECT contact_json, substitute_decision_maker_json FROM patients WHERE id = ?').get('p2');
    expect(row).toEqual({ contact_json: '{"email":"e@example.org"}', substitute_decision_maker_json: '{"name":"Marc Gagnon"}' });
  });

  it('stores a batch all or nothing: a date that does not exist refuses the whole batch', () => {
    expect(() => repo.insertPatients([patient('p2'), patient('p3', '2021-02-30')])).toThrow(/CHECK/);
    expect(profile.db.prepare('SELECT id FROM patients ORDER BY id').pluck().all()).toEqual(['p1']);
  });
});

describe('audit trail', () => {
  const event = (action: string, details: Record<string, string> = {}) => ({
    at: t0,
    actorId: 'staff-1',
    deviceId: 'device-1',
    action,
    subjectType: 'patient',
    subjectId: 'p1',
    details,
  });

  it('chains each event to the one before it', () => {
    const first = repo.appendAuditEvent(event('patient.viewed'));
    const second = repo.appendAuditEvent(event('message.sent', { note: 'Zoë' }));
    expect(first.seq).toBe(1);
    expect([...first.prevHash]).toEqual(new Array(32).fill(0));
    expect(second.seq).toBe(2);
    expect(Buffer.from(second.prevHash).equals(Buffer.from(first.hash))).toBe(true);
    expect(repo.verifyAuditChain()).toEqual({ ok: true });
  });

  it('an empty trail verifies', () => {
    expect(repo.verifyAuditChain()).toEqual({ ok: true });
  });

  /** A second, raw connection to the same file, as an attacker holding the key would use. */
  function rawConnection(): EncryptedDatabase {
    const raw = openEncrypted(join(dir, 'profile.db'), key);
    raws.push(raw);
    raw.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
    return raw;
  }

  it('reports the first edited event', () => {
    for (const action of ['a.one', 'a.two', 'a.three', 'a.four']) repo.appendAuditEvent(event(action));
    rawConnection().prepare(`UPDATE audit_events SET details_json = '{"note":"rewritten"}' WHERE seq = 3`).run();
    expect(repo.verifyAuditChain()).toEqual({ ok: false, brokenAt: 3 });
  });

  it('reports an edit whose own hash was recomputed at the next event, whose link no longer fits', async () => {
    const stored = ['a.one', 'a.two', 'a.three'].map((action) => repo.appendAuditEvent(event(action)));
    const { prevHash, hash: _hash, ...second } = stored[1]!;
    const forged = auditHash(await loadSodium(), prevHash, { ...second, action: 'a.other' });
    rawConnection().prepare(`UPDATE audit_events SET action = 'a.other', hash = ? WHERE seq = 2`).run(forged);
    expect(repo.verifyAuditChain()).toEqual({ ok: false, brokenAt: 3 });
  });

  it('reports an edited hash at that event', () => {
    for (const action of ['a.one', 'a.two', 'a.three']) repo.appendAuditEvent(event(action));
    rawConnection().prepare('UPDATE audit_events SET hash = randomblob(32) WHERE seq = 2').run();
    expect(repo.verifyAuditChain()).toEqual({ ok: false, brokenAt: 2 });
  });

  it('reports a removed event where the gap is', () => {
    for (const action of ['a.one', 'a.two', 'a.three']) repo.appendAuditEvent(event(action));
    rawConnection().prepare('DELETE FROM audit_events WHERE seq = 2').run();
    expect(repo.verifyAuditChain()).toEqual({ ok: false, brokenAt: 3 });
  });

  it('refuses UPDATE and DELETE while the triggers are in place', () => {
    repo.appendAuditEvent(event('a.one'));
    expect(() => profile.db.prepare(`UPDATE audit_events SET action = 'x'`).run()).toThrow(/append-only/);
    expect(() => profile.db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    expect(repo.verifyAuditChain()).toEqual({ ok: true });
  });
});
