// The inbox over 2,000 conversations: order rules checked against an independent oracle,
// keyset paging, the query plans (one index range, no sort), and full-text search.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { randomBytes } from '../../src/main/crypto/sodium';
import { type ProfileDatabase, openProfileDatabase } from '../../src/main/storage/profile-database';
import {
  type InboxConversation,
  type NewMessage,
  type ProfileRepository,
  createProfileRepository,
  inboxPageSql,
} from '../../src/main/storage/repository';

const conversationCount = 2000;
const t0 = 1_760_000_000_000;
const minute = 60_000;

/** mulberry32: a small seeded generator, so a failure can be replayed. Returns an integer in [0, below). */
function seeded(seed: number) {
  let state = seed >>> 0;
  return (below: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * below);
  };
}

type Expected = { id: string; archived: boolean; awaitingSince: number | null; lastActivity: number };

const root = mkdtempSync(join(tmpdir(), 'inbox-'));
let profile: ProfileDatabase;
let repo: ProfileRepository;
const expected: Expected[] = [];
const uniqueWordMessage = 'm-needle';

beforeAll(async () => {
  profile = openProfileDatabase(join(root, 'profile.db'), randomBytes(32));
  repo = await createProfileRepository(profile);
  const random = seeded(20_251);
  repo.insertPatients(
    Array.from({ length: conversationCount }, (_, i) => ({
      id: `p${i}`,
      givenName: `Given ${i}`,
      familyName: `Family ${i}`,
      dateOfBirth: '1970-01-01',
      contact: {},
      substituteDecisionMaker: null,
      createdAt: t0,
    })),
  );
  const conversations = Array.from({ length: conversationCount }, (_, i) => ({
    id: `c${String(i).padStart(4, '0')}`,
    patientId: `p${i}`,
    subject: `Subject ${i}`,
    createdAt: t0 + random(10_000) * minute,
    archived: random(10) === 0,
  }));
  repo.insertConversations(conversations);

  const messages: NewMessage[] = [];
  for (const conversation of conversations) {
    const count = random(6); // some conversations have no message at all
    let replyAt: number | null = null;
    let activity = conversation.createdAt;
    const patientTimes: number[] = [];
    for (let n = 0; n < count; n += 1) {
      // Coarse times, so ties between conversations happen and the id must break them.
      const sentAt = conversation.createdAt + (1 + random(2000)) * minute;
      const fromPatient = random(3) !== 0;
      const deliveryState = fromPatient ? 'delivered' : (['sent', 'read', 'draft', 'failed'] as const)[random(4)]!;
      messages.push({
        id: `${conversation.id}-m${n}`,
        conversationId: conversation.id,
        senderKind: fromPatient ? 'patient' : 'staff',
        senderId: fromPatient ? conversation.patientId : 'staff-1',
        body: `Message ${n} about ${conversation.subject}`,
        sentAt,
        serverSeq: null,
        deliveryState,
      });
      if (fromPatient) patientTimes.push(sentAt);
      if (fromPatient || deliveryState === 'sent' || deliveryState === 'read') activity = Math.max(activity, sentAt);
      if (!fromPatient && (deliveryState === 'sent' || deliveryState === 'read')) replyAt = Math.max(replyAt ?? sentAt, sentAt);
    }
    const waiting = patientTimes.filter((at) => replyAt === null || at > replyAt);
    expected.push({
      id: conversation.id,
      archived: conversation.archived,
      awaitingSince: waiting.length > 0 ? Math.min(...waiting) : null,
      lastActivity: activity,
    });
  }
  messages.push({ ...messages[0]!, id: uniqueWordMessage, body: 'Douleur zygomatique après la chute', serverSeq: null });
  expected.find((e) => e.id === messages[0]!.conversationId)!.lastActivity = Math.max(
    expected.find((e) => e.id === messages[0]!.conversationId)!.lastActivity,
    messages[0]!.sentAt,
  );
  // Shuffled, in batches: messages arrive out of order, as after a sync.
  for (let i = messages.length - 1; i > 0; i -= 1) {
    const j = random(i + 1);
    [messages[i], messages[j]] = [messages[j]!, messages[i]!];
  }
  for (let at = 0; at < messages.length; at += 500) repo.insertMessages(messages.slice(at, at + 500));
});
afterAll(() => {
  profile.close();
  rmSync(root, { recursive: true, force: true });
});

/** The inbox order, computed without SQL: waiting first (longest wait first), then latest activity, then id. */
function oracle(archived: boolean): string[] {
  return expected
    .filter((e) => e.archived === archived)
    .sort((a, b) => {
      if ((a.awaitingSince === null) !== (b.awaitingSince === null)) return a.awaitingSince === null ? 1 : -1;
      if (a.awaitingSince !== null && b.awaitingSince !== null && a.awaitingSince !== b.awaitingSince) return a.awaitingSince - b.awaitingSince;
      if (a.awaitingSince === null && a.lastActivity !== b.lastActivity) return b.lastActivity - a.lastActivity;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    })
    .map((e) => e.id);
}

function allPages(archived: boolean, limit: number): InboxConversation[] {
  const items: InboxConversation[] = [];
  let page = repo.listConversationsPage({ limit, archived });
  items.push(...page.items);
  while (page.next) {
    page = repo.listConversationsPage({ limit, archived, before: page.next });
    items.push(...page.items);
  }
  return items;
}

describe('inbox', () => {
  it('has a realistic mix: waiting, answered, silent and archived conversations', () => {
    const live = expected.filter((e) => !e.archived);
    expect(live.filter((e) => e.awaitingSince !== null).length).toBeGreaterThan(300);
    expect(live.filter((e) => e.awaitingSince === null).length).toBeGreaterThan(300);
    expect(expected.filter((e) => e.archived).length).toBeGreaterThan(100);
    expect(repo.countMessages()).toBeGreaterThan(4000);
  });

  it('puts the first page in order: waiting first, longest wait first, then most recent activity', () => {
    const first = repo.listConversationsPage({ limit: 50 });
    expect(first.items.map((c) => c.id)).toEqual(oracle(false).slice(0, 50));
    expect(first.items.every((c) => c.awaitingReply && !c.archived)).toBe(true);
    expect(first.items[0]).toMatchObject({ patientGivenName: expect.stringMatching(/^Given /), awaitingSince: expect.any(Number) });
  });

  it('pages through every conversation exactly once, in the same order, whatever the page size', () => {
    for (const limit of [1, 37, 500]) {
      expect(allPages(false, limit).map((c) => c.id)).toEqual(oracle(false));
    }
    expect(allPages(true, 100).map((c) => c.id)).toEqual(oracle(true));
    const live = allPages(false, 200);
    const firstAnswered = live.findIndex((c) => !c.awaitingReply);
    expect(live.slice(firstAnswered).every((c) => !c.awaitingReply)).toBe(true);
  });

  it('matches the oracle on waiting state and activity for every conversation', () => {
    const byId = new Map([...allPages(false, 1000), ...allPages(true, 1000)].map((c) => [c.id, c]));
    for (const e of expected) {
      const got = byId.get(e.id)!;
      expect({ id: e.id, awaitingSince: got.awaitingSince, activity: got.lastMessageAt ?? got.createdAt }).toEqual({
        id: e.id,
        awaitingSince: e.awaitingSince,
        activity: e.lastActivity,
      });
    }
  });

  it.each([
    ['without statistics', false],
    ['after ANALYZE', true],
  ])('reads a page with one index range and no sort (%s)', (_label, analyze) => {
    if (analyze) profile.db.exec('ANALYZE');
    const plan = (sql: string, params: Record<string, unknown>) =>
      (profile.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail);
    for (const steps of [
      plan(inboxPageSql.first, { archived: 0, limit: 51 }),
      plan(inboxPageSql.after, { archived: 0, limit: 51, tier: 0, key: t0, id: 'c0001' }),
    ]) {
      expect(steps[0]).toMatch(/^SEARCH c USING INDEX conversations_inbox \(archived=\?/);
      expect(steps.join('\n')).not.toMatch(/SCAN c\b|TEMP B-TREE/);
      expect(steps.join('\n')).toMatch(/SEARCH p USING INDEX sqlite_autoindex_patients_1 \(id=\?\)/);
    }
  });

  it('serves the first page in a few milliseconds', () => {
    repo.listConversationsPage({ limit: 50 });
    const started = performance.now();
    for (let i = 0; i < 20; i += 1) repo.listConversationsPage({ limit: 50 });
    const perPage = (performance.now() - started) / 20;
    console.log(`inbox first page (50 of ${conversationCount}): ${perPage.toFixed(2)} ms`);
    expect(perPage).toBeLessThan(20);
  });

  it('finds a message by one of its words', () => {
    const hits = repo.searchMessages('zygomatique', 10);
    expect(hits.map((hit) => hit.messageId)).toEqual([uniqueWordMessage]);
    expect(repo.searchMessages('Subject 1234', 5).length).toBeGreaterThan(0);
  });
});
