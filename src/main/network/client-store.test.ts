import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { openEncrypted } from '../storage/open-encrypted';
import { type ClientStore, openClientStore } from './client-store';

const dirs: string[] = [];
const stores: ClientStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const key = new Uint8Array(32).fill(7);
function fresh(): { store: ClientStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cm-client-store-'));
  dirs.push(dir);
  const file = join(dir, 'network.db');
  const store = openClientStore(file, key);
  stores.push(store);
  return { store, file };
}

let n = 0;
const message = (over: { conversationId?: string; sentAt: number; fromPatient: boolean; body?: string; seq?: number | null; urgent?: boolean }) => ({
  messageId: `m${(n += 1)}`,
  conversationId: over.conversationId ?? 'pA',
  patientId: over.conversationId ?? 'pA',
  senderDeviceId: over.fromPatient ? 'dPatient' : 'dDoctor',
  outgoing: !over.fromPatient,
  scope: 'clinical',
  body: over.body ?? `message ${n}`,
  sentAt: over.sentAt,
  seq: over.seq ?? n,
  relaySeq: n,
  state: over.fromPatient ? ('received' as const) : ('sent' as const),
  fromPatient: over.fromPatient,
  urgent: over.urgent ?? false,
  outOfHours: null,
});

describe('the client store inbox summary', () => {
  it('keeps the first urgent message still waiting; a clinic answer after it ends the wait, and a message stays marked', () => {
    const { store } = fresh();
    store.addMessage(message({ sentAt: 1000, fromPatient: true, body: 'a question' }), 1);
    const urgent = message({ sentAt: 2000, fromPatient: true, body: 'chest pain', urgent: true });
    store.addMessage(urgent, 2);
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: 1000, urgentSince: 2000 });
    expect(store.message(urgent.messageId)?.urgent).toBe(true);
    // An answer written before the urgent message arrived (out of order) does not end its wait.
    store.addMessage(message({ sentAt: 1500, fromPatient: false }), 3);
    expect(store.inbox.conversation('pA')).toMatchObject({ urgentSince: 2000 });
    store.addMessage(message({ sentAt: 2500, fromPatient: false }), 4);
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: null, urgentSince: null });
  });

  it('keeps unread counts, the waiting time and the preview with each message, whatever the arrival order', () => {
    const { store } = fresh();
    store.addMessage(message({ sentAt: 1000, fromPatient: true, body: 'first' }), 1);
    store.addMessage(message({ sentAt: 3000, fromPatient: true, body: 'third' }), 2);
    // Arrives late but was written earlier: counts as unread, does not become the preview.
    store.addMessage(message({ sentAt: 2000, fromPatient: true, body: 'second' }), 3);
    expect(store.inbox.conversation('pA')).toEqual({ patientId: 'pA', lastAt: 3000, preview: 'third', lastFromPatient: true, unread: 3, waitingSince: 1000, urgentSince: null });
    // The same message again (at-least-once delivery) changes nothing.
    const again = message({ sentAt: 3000, fromPatient: true });
    expect(store.addMessage(again, 4)).toBe(true);
    expect(store.addMessage(again, 5)).toBe(false);
    expect(store.inbox.conversation('pA')?.unread).toBe(4);

    expect(store.inbox.markConversationRead('pA', 10)).toHaveLength(4);
    expect(store.inbox.markConversationRead('pA', 11)).toEqual([]);
    expect(store.inbox.conversation('pA')).toMatchObject({ unread: 0, waitingSince: 1000 });
    store.addMessage(message({ sentAt: 4000, fromPatient: false, body: 'An answer\n  on two lines' }), 12);
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: null, preview: 'An answer on two lines', lastFromPatient: false });
    store.addMessage(message({ sentAt: 5000, fromPatient: true, body: 'x'.repeat(500) }), 13);
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: 5000, unread: 1 });
    expect(store.inbox.conversation('pA')?.preview).toHaveLength(140);
  });

  it('pages a thread newest last, and finds conversations by what was written (LIKE wildcards are literal)', () => {
    const { store } = fresh();
    for (let i = 0; i < 7; i += 1) store.addMessage(message({ conversationId: 'pB', sentAt: 100 + i, fromPatient: i % 2 === 0, body: i === 3 ? '100% sure_thing' : `note ${i}` }), i);
    const last = store.messagePage('pB', 3);
    expect(last.hasMore).toBe(true);
    expect(last.messages.map((m) => m.sentAt)).toEqual([104, 105, 106]);
    const earlier = store.messagePage('pB', 3, last.messages[0]?.messageId);
    expect(earlier.messages.map((m) => m.sentAt)).toEqual([101, 102, 103]);
    expect(store.messagePage('pB', 3, earlier.messages[0]?.messageId)).toMatchObject({ hasMore: false });
    expect([...store.conversationsMentioning('100% sure')]).toEqual(['pB']);
    expect([...store.conversationsMentioning('0%_')]).toEqual([]);
    expect([...store.conversationsMentioning('SURE_THING')]).toEqual(['pB']);
  });

  it('keeps pending replies and drafts; an empty draft is removed', () => {
    const { store } = fresh();
    store.inbox.addPending({ messageId: 'm1', patientId: 'pA', body: 'Soon', createdAt: 1, sendAt: 11 });
    expect(store.inbox.pending('pA')).toHaveLength(1);
    expect(store.inbox.takePending('m1')?.body).toBe('Soon');
    expect(store.inbox.takePending('m1')).toBeNull();
    store.inbox.saveDraft('pA', 'Half a thought', 1);
    expect(store.inbox.draft('pA')).toBe('Half a thought');
    expect([...store.inbox.draftPatients()]).toEqual(['pA']);
    store.inbox.saveDraft('pA', '   ', 2);
    expect(store.inbox.draft('pA')).toBe('');
    expect(store.inbox.draftPatients().size).toBe(0);
  });

  it('brings a version 1 file up to date: old messages count as read and answered, summaries rebuilt', () => {
    const { store, file } = fresh();
    store.close();
    stores.pop();
    // A version 1 file: no from_patient / read_at columns, no summaries.
    const db = openEncrypted(file, key);
    db.exec('DROP TABLE messages; DROP TABLE conversations; PRAGMA user_version = 0;');
    db.exec(`CREATE TABLE messages (message_id TEXT PRIMARY KEY NOT NULL, conversation_id TEXT NOT NULL, patient_id TEXT NOT NULL, sender_device_id TEXT NOT NULL,
      outgoing INTEGER NOT NULL, scope TEXT NOT NULL, body TEXT NOT NULL, sent_at INTEGER NOT NULL, seq INTEGER, relay_seq INTEGER, state TEXT NOT NULL, failure TEXT, received_at INTEGER NOT NULL) STRICT`);
    db.prepare("INSERT INTO messages VALUES ('m1', 'pA', 'pA', 'dP', 0, 'clinical', 'old question', 10, 1, 1, 'received', NULL, 10)").run();
    db.prepare("INSERT INTO messages VALUES ('m2', 'pA', 'pA', 'dD', 1, 'clinical', 'old answer', 20, 2, 2, 'read', NULL, 20)").run();
    db.close();
    const reopened = openClientStore(file, key);
    stores.push(reopened);
    expect(reopened.inbox.conversation('pA')).toEqual({ patientId: 'pA', lastAt: 20, preview: 'old answer', lastFromPatient: false, unread: 0, waitingSince: null, urgentSince: null });
    expect(reopened.messages('pA').map((m) => [m.body, m.readAt !== null])).toEqual([
      ['old question', true],
      ['old answer', true],
    ]);
    // Version 3: messages stored before carry no urgent mark.
    expect(reopened.messages('pA').map((m) => m.urgent)).toEqual([false, false]);
  });
});
