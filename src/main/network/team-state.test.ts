// The care-team events a device holds (ADR 17): stored once, their effect on the inbox in the
// same step (a team "read" clears the count here, "handled" stops the reply clock of what it
// covers and leaves later messages waiting), the newest assignment, absence and name win,
// and a message that arrives after a mark counts as read or handled as the mark said.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type CareTeamEvent } from '../../shared/protocol/care-team';
import { type ClientStore, openClientStore } from './client-store';

const dirs: string[] = [];
const stores: ClientStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function fresh(): { store: ClientStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cm-team-state-'));
  dirs.push(dir);
  const file = join(dir, 'network.db');
  const store = openClientStore(file, new Uint8Array(32).fill(3));
  stores.push(store);
  return { store, file };
}

let n = 0;
const message = (sentAt: number, fromPatient: boolean, urgent = false) => ({
  messageId: `m${(n += 1)}`,
  conversationId: 'pA',
  patientId: 'pA',
  senderDeviceId: fromPatient ? 'dPatient' : 'dDoctor',
  outgoing: false,
  scope: 'clinical',
  body: `message ${n}`,
  sentAt,
  seq: n,
  relaySeq: n,
  state: 'received' as const,
  fromPatient,
  urgent,
  outOfHours: null,
});
const add = (store: ClientStore, sentAt: number, event: CareTeamEvent, sender = 'dLee', eventId = `t${(n += 1)}`) => store.team.add({ eventId, senderDeviceId: sender, sentAt, event }, null, n);

describe('the care-team state on a device', () => {
  it('stores an event once; a team read clears the count up to its mark, and a later message stays unread', () => {
    const { store } = fresh();
    store.addMessage(message(1000, true), 1);
    store.addMessage(message(2000, true), 2);
    store.addMessage(message(3000, true), 3);
    expect(store.inbox.conversation('pA')?.unread).toBe(3);
    expect(add(store, 5000, { v: 1, kind: 'read', conversationId: 'pA', upTo: 2000 }, 'dLee', 'tRead1')).toBe(true);
    expect(add(store, 5000, { v: 1, kind: 'read', conversationId: 'pA', upTo: 3000 }, 'dLee', 'tRead1')).toBe(false);
    expect(store.inbox.conversation('pA')?.unread).toBe(1);
    expect(store.messages('pA').map((m) => m.readAt !== null)).toEqual([true, true, false]);
  });

  it('"handled" stops the clock of what it covers, urgent included; a later patient message keeps waiting; nothing is deleted', () => {
    const { store } = fresh();
    store.addMessage(message(1000, true, true), 1);
    store.addMessage(message(2000, true), 2);
    add(store, 2500, { v: 1, kind: 'handled', conversationId: 'pA', upTo: 2000, reason: 'phoned', note: 'called' });
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: null, urgentSince: null });
    expect(store.messages('pA')).toHaveLength(2);
    store.addMessage(message(4000, true), 3);
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: 4000, urgentSince: null });
    // A mark that covers only the first of two waiting messages leaves the second one's clock.
    store.addMessage(message(5000, true, true), 4);
    add(store, 6000, { v: 1, kind: 'handled', conversationId: 'pA', upTo: 4000, reason: 'seen-in-clinic', note: '' });
    expect(store.inbox.conversation('pA')).toMatchObject({ waitingSince: 5000, urgentSince: 5000 });
    expect(store.team.handled('pA').map((h) => [h.reason, h.upTo])).toEqual([
      ['phoned', 2000],
      ['seen-in-clinic', 4000],
    ]);
  });

  it('applies a mark that came before its messages once they arrive (catchUp)', () => {
    const { store } = fresh();
    add(store, 9000, { v: 1, kind: 'read', conversationId: 'pA', upTo: 2000 });
    add(store, 9000, { v: 1, kind: 'handled', conversationId: 'pA', upTo: 2000, reason: 'phoned', note: '' });
    store.addMessage(message(2000, true), 1);
    expect(store.inbox.conversation('pA')).toMatchObject({ unread: 1, waitingSince: 2000 });
    store.team.catchUp('pA', 9100);
    expect(store.inbox.conversation('pA')).toMatchObject({ unread: 0, waitingSince: null });
  });

  it('keeps the newest assignment per conversation, the newest absence and name per device', () => {
    const { store } = fresh();
    add(store, 1000, { v: 1, kind: 'assign', conversationId: 'pA', to: 'dLee' }, 'dLee');
    add(store, 3000, { v: 1, kind: 'assign', conversationId: 'pA', to: 'dSam' }, 'dLee');
    add(store, 2000, { v: 1, kind: 'assign', conversationId: 'pA', to: 'dKim' }, 'dKim'); // older: written before, arrived after
    add(store, 1000, { v: 1, kind: 'assign', conversationId: 'pB', to: 'dLee' }, 'dLee');
    add(store, 4000, { v: 1, kind: 'assign', conversationId: 'pB', to: null }, 'dSam');
    expect([...store.team.assignments()].map(([c, a]) => [c, a.to, a.by])).toEqual(
      expect.arrayContaining([
        ['pA', 'dSam', 'dLee'],
        ['pB', null, 'dSam'],
      ]),
    );
    expect(store.team.assignmentHistory('pA').map((a) => a.to)).toEqual(['dLee', 'dKim', 'dSam']);
    add(store, 1000, { v: 1, kind: 'away', until: '2026-12-09', covering: 'dSam' }, 'dLee');
    add(store, 1000, { v: 1, kind: 'away', until: '2026-12-20', covering: 'dLee' }, 'dSam');
    add(store, 2000, { v: 1, kind: 'away', until: null, covering: null }, 'dSam');
    expect([...store.team.absences()]).toEqual([['dLee', { until: '2026-12-09', covering: 'dSam', at: 1000 }]]);
    add(store, 1000, { v: 1, kind: 'roster', deviceId: 'dLee', displayName: 'Dr Lee' }, 'dAdmin');
    add(store, 2000, { v: 1, kind: 'roster', deviceId: 'dLee', displayName: 'Dr Lee Chen' }, 'dAdmin');
    expect(store.team.names().get('dLee')).toBe('Dr Lee Chen');
  });

  it('keeps an event this device wrote until the relay took it, across a reopen', () => {
    const { store, file } = fresh();
    store.team.add({ eventId: 'tMine', senderDeviceId: 'dLee', sentAt: 1, event: { v: 1, kind: 'assign', conversationId: 'pA', to: 'dLee' } }, '{"sealed":true}', null);
    store.close();
    const again = openClientStore(file, new Uint8Array(32).fill(3));
    stores.push(again);
    expect(again.team.unsent().map((u) => [u.eventId, u.envelopeJson])).toEqual([['tMine', '{"sealed":true}']]);
    again.team.markSent('tMine', 7);
    expect(again.team.unsent()).toEqual([]);
    expect(again.team.assignment('pA')?.to).toBe('dLee');
  });
});
