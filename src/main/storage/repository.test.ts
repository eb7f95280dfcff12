import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadSodium, randomBytes } from '../crypto/sodium';
import { auditHash } from './audit-chain';
import { type EncryptedDatabase, openEncrypted } from './open-encrypted';
import { type ProfileDatabase, openProfileDatabase } from './profile-database';
import { type NewMessage, type ProfileRepository, createProfileRepository, toSearchQuery } from './repository';

const t0 = 1_760_000_000_000;
const minute = 60_000;

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
  repo.insertConversations([{ id: 'c1', patientId: 'p1', subject: 'Ordonnance', createdAt: t0 }]);
});
afterEach(() => {
  for (const raw of raws.splice(0)) raw.close();
  profile.close();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function message(senderKind: 'patient' | 'staff', minutes: number, extra: Partial<NewMessage> = {}): NewMessage {
  counter += 1;
  return {
    id: `m${counter}`,
    conversationId: 'c1',
    senderKind,
    senderId: senderKind === 'patient' ? 'p1' : 's1',
    body: `message ${counter}`,
    sentAt: t0 + minutes * minute,
    serverSeq: null,
    deliveryState: senderKind === 'patient' ? 'delivered' : 'sent',
    ...extra,
  };
}

const inbox = () => repo.listConversationsPage({ limit: 10 }).items[0]!;

describe('insertMessages', () => {
  it('stores a message id once, however often it arrives', () => {
    const first = message('patient', 1);
    expect(repo.insertMessages([first, message('patient', 2)])).toBe(2);
    expect(repo.insertMessages([first, { ...first, body: 'changed' }])).toBe(0);
    expect(repo.countMessages()).toBe(2);
    expect(inbox().unreadCount).toBe(2);
    expect(repo.listMessages('c1', { limit: 10 }).find((m) => m.id === first.id)?.body).toBe(first.body);
  });

  it('tracks waiting: a patient message waits, a staff reply answers it, the next patient message waits again', () => {
    repo.insertMessages([message('patient', 1), message('patient', 2)]);
    expect(inbox()).toMatchObject({ awaitingReply: true, awaitingSince: t0 + minute, lastPatientMessageAt: t0 + 2 * minute, unreadCount: 2 });
    repo.insertMessages([message('staff', 3)]);
    expect(inbox()).toMatchObject({ awaitingReply: false, awaitingSince: null, lastMessageAt: t0 + 3 * minute });
    repo.insertMessages([message('patient', 4)]);
    expect(inbox()).toMatchObject({ awaitingReply: true, awaitingSince: t0 + 4 * minute, lastMessageAt: t0 + 4 * minute });
  });

  it('gets waiting right when messages arrive out of order', () => {
    // The reply at minute 3 arrives before the patient messages at 1 and 5 it sits between.
    repo.insertMessages([message('staff', 3), message('patient', 5), message('patient', 1)]);
    expect(inbox()).toMatchObject({ awaitingReply: true, awaitingSince: t0 + 5 * minute });
    // A late-arriving reply at minute 6 answers everything.
    repo.insertMessages([message('staff', 6)]);
    expect(inbox()).toMatchObject({ awaitingReply: false, lastMessageAt: t0 + 6 * minute });
  });

  it('does not count a draft or a failed send as an answer, nor a read message as unread', () => {
    repo.insertMessages([message('patient', 1, { deliveryState: 'read' })]);
    repo.insertMessages([message('staff', 2, { deliveryState: 'draft' }), message('staff', 3, { deliveryState: 'failed' })]);
    expect(inbox()).toMatchObject({ awaitingReply: true, awaitingSince: t0 + minute, unreadCount: 0, lastMessageAt: t0 + minute });
  });

  it('stores a batch all or nothing', () => {
    const batch = [message('patient', 1, { serverSeq: 7 }), message('patient', 2, { serverSeq: 7 })];
    expect(() => repo.insertMessages(batch)).toThrow(/UNIQUE/);
    expect(repo.countMessages()).toBe(0);
    expect(inbox()).toMatchObject({ awaitingReply: false, unreadCount: 0, lastMessageAt: null });
  });
});

describe('listMessages', () => {
  it('pages newest first by local order', () => {
    repo.insertMessages(Array.from({ length: 25 }, (_, i) => message(i % 2 ? 'staff' : 'patient', i)));
    const first = repo.listMessages('c1', { limit: 10 });
    const second = repo.listMessages('c1', { limit: 10, beforeSeq: first.at(-1)!.seq });
    const third = repo.listMessages('c1', { limit: 10, beforeSeq: second.at(-1)!.seq });
    const all = [...first, ...second, ...third];
    expect(all).toHaveLength(25);
    expect(all.map((m) => m.seq)).toEqual([...all.map((m) => m.seq)].sort((a, b) => b - a));
    expect(new Set(all.map((m) => m.id)).size).toBe(25);
    expect(repo.listMessages('other', { limit: 10 })).toEqual([]);
  });

  it.each([[0], [1001], [1.5]])('refuses a page size of %s', (limit) => {
    expect(() => repo.listMessages('c1', { limit })).toThrow(RangeError);
  });
});

describe('searchMessages', () => {
  beforeEach(() => {
    repo.insertMessages([
      message('patient', 1, { body: 'Bonjour, pouvez-vous renouveler le métoprolol?' }),
      message('staff', 2, { body: 'Oui, l’ordonnance est prête pour Zoë Brûlé-Tremblay.' }),
      message('patient', 3, { body: 'Merci beaucoup!' }),
    ]);
  });
  const found = (query: string) => repo.searchMessages(query, 10).map((hit) => hit.body);

  it('finds a message by a word, ignoring case and accents', () => {
    expect(found('METOPROLOL')).toEqual(['Bonjour, pouvez-vous renouveler le métoprolol?']);
    expect(found('brule')).toEqual(['Oui, l’ordonnance est prête pour Zoë Brûlé-Tremblay.']);
  });

  it('needs every word, and treats the last one as a prefix (search as you type)', () => {
    expect(found('zoe ordonn')).toHaveLength(1);
    expect(found('zoe merci')).toEqual([]);
    expect(found('merc')).toEqual(['Merci beaucoup!']);
  });

  it('treats query syntax as plain text instead of failing', () => {
    for (const query of ['"unbalanced', 'AND OR NOT', 'NEAR(', '*', 'body:merci', '-merci', "l'ordonnance", '😀']) {
      expect(() => repo.searchMessages(query, 10)).not.toThrow();
    }
    expect(found('   ')).toEqual([]);
    expect(toSearchQuery('say "hi" now')).toBe('"say" """hi""" "now"*');
  });

  it('returns where each hit lives', () => {
    expect(repo.searchMessages('merci', 10)).toEqual([
      { messageId: expect.any(String), conversationId: 'c1', seq: expect.any(Number), sentAt: t0 + 3 * minute, body: 'Merci beaucoup!' },
    ]);
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
