// npm run bench [-- --quick yes] [-- --only store|network|inbox]: measures the profile store against the
// budgets in the architecture notes, and the message path on loopback (bench-network.ts), and
// writes one JSON file per measurement under bench/results/.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';

import { currentKdfParams } from '../../src/main/crypto/kdf';
import { randomBytes } from '../../src/main/crypto/sodium';
import { createMemoryLogger } from '../../src/main/log';
import { noKeystore } from '../../src/main/profiles/device-keystore';
import { createProfileManager } from '../../src/main/profiles/profile-manager';
import { migrate } from '../../src/main/storage/migrations';
import { type ProfileDatabase, applyConnectionSettings, openProfileDatabase } from '../../src/main/storage/profile-database';
import { createProfileRepository } from '../../src/main/storage/repository';
import { migrations } from '../../src/main/storage/schema';
import { parseArgs } from './args';
import { benchInbox as benchInboxService } from './bench-inbox';
import { benchNetwork } from './bench-network';
import { seedProfile } from './seed-profile';
import { syntheticData } from './synthetic';

const passphrase = 'copper lantern orbit meadow 47';
const args = parseArgs(process.argv.slice(2), ['quick', 'out', 'only']);
const quick = args.quick === 'yes';
const groups = ['store', 'network', 'inbox'] as const;
const only = args.only;
if (only !== undefined && !(groups as readonly string[]).includes(only)) throw new Error(`--only must be one of: ${groups.join(', ')}.`);
const runs = (group: (typeof groups)[number]) => only === undefined || only === group;
const outDir = resolve(args.out ?? 'bench/results');
const work = mkdtempSync(join(tmpdir(), 'clinic-bench-'));
mkdirSync(outDir, { recursive: true });

const machine = {
  node: process.versions.node,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  platform: process.platform,
};

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { runs: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), min: round(sorted[0] ?? NaN), max: round(sorted.at(-1) ?? NaN) };
}

function write(name: string, result: Record<string, unknown>) {
  const file = join(outDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, measuredAt: new Date().toISOString(), machine, quick, ...result }, null, 2)}\n`);
  console.log(`${name}: ${JSON.stringify(result)}`);
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** Unlock of a profile holding 100k messages: Argon2id, key unwrap, open, integrity check, migrations. */
async function benchUnlock() {
  const messages = quick ? 10_000 : 100_000;
  const dataDir = join(work, 'unlock');
  const seeded = await seedProfile({ dataDir, passphrase, patients: 2000, messages });
  const manager = createProfileManager({ dataDir, keystore: noKeystore, log: createMemoryLogger() });
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const [ms, opened] = await time(() => manager.unlock(seeded.profileId, passphrase));
    samples.push(ms);
    opened.db.close();
  }
  const dbBytes = statSync(join(dataDir, 'profiles', seeded.profileId, 'data', 'profile.db')).size;
  const unlockMs = stats(samples);
  write('profile-unlock', {
    messages: seeded.messages,
    databaseMiB: Math.round((dbBytes / 2 ** 20) * 10) / 10,
    kdf: { alg: 'argon2id13', opsLimit: currentKdfParams.opsLimit, memLimitMiB: currentKdfParams.memLimitBytes / 2 ** 20 },
    unlockMs,
    budgetMs: 1000,
    withinBudget: unlockMs.p50 <= 1000,
  });
}

function openPlain(file: string): ProfileDatabase {
  const db = new Database(file);
  applyConnectionSettings(db);
  migrate(db, migrations);
  return { file, db, schemaVersion: migrations.length, isOpen: true, close: () => db.close() };
}

/** The same writes and reads on the encrypted store and on plain SQLite, in the same run. */
async function benchThroughput() {
  const data = syntheticData({ patients: 1000, messages: quick ? 20_000 : 100_000, seed: 7 });
  const run = async (label: string, profile: ProfileDatabase) => {
    const repository = await createProfileRepository(profile);
    repository.insertPatients(data.patients);
    repository.insertConversations(data.conversations);
    const [insertMs] = await time(() => {
      for (let i = 0; i < data.messages.length; i += 5000) repository.insertMessages(data.messages.slice(i, i + 5000));
    });
    const ids = data.conversations.map((c) => c.id);
    const [queryMs] = await time(() => {
      for (let i = 0; i < 2000; i++) repository.listMessages(ids[(i * 7919) % ids.length] ?? '', { limit: 50 });
    });
    const [searchMs] = await time(() => {
      for (let i = 0; i < 200; i++) repository.searchMessages(i % 2 ? 'prescription' : 'rendez-vous', 20);
    });
    profile.close();
    return {
      label,
      insertPerSecond: Math.round(data.messages.length / (insertMs / 1000)),
      threadPagesPerSecond: Math.round(2000 / (queryMs / 1000)),
      searchesPerSecond: Math.round(200 / (searchMs / 1000)),
      insertMs: Math.round(insertMs),
      queryMs: Math.round(queryMs),
      searchMs: Math.round(searchMs),
    };
  };
  // Alternate the order so neither side always runs on a warm cache.
  const plainA = await run('plain', openPlain(join(work, 'plain-a.db')));
  const encryptedA = await run('encrypted', openProfileDatabase(join(work, 'enc-a.db'), randomBytes(32)));
  const encryptedB = await run('encrypted', openProfileDatabase(join(work, 'enc-b.db'), randomBytes(32)));
  const plainB = await run('plain', openPlain(join(work, 'plain-b.db')));
  const avg = (a: number, b: number) => (a + b) / 2;
  const ratio = (key: 'insertMs' | 'queryMs' | 'searchMs') =>
    Math.round((avg(encryptedA[key], encryptedB[key]) / avg(plainA[key], plainB[key])) * 100) / 100;
  const ratios = { insert: ratio('insertMs'), threadQuery: ratio('queryMs'), search: ratio('searchMs') };
  write('store-throughput', {
    messages: data.messages.length,
    runs: [plainA, encryptedA, encryptedB, plainB],
    encryptedOverPlain: ratios,
    budgetRatio: 1.3,
    withinBudget: Object.values(ratios).every((r) => r <= 1.3),
  });
}

/** The first page of the inbox with 5,000 conversations. */
async function benchInbox() {
  const dataDir = join(work, 'inbox');
  const seeded = await seedProfile({ dataDir, passphrase, patients: 4546, messages: quick ? 20_000 : 100_000 });
  const manager = createProfileManager({ dataDir, keystore: noKeystore, log: createMemoryLogger() });
  const opened = await manager.unlock(seeded.profileId, passphrase);
  const repository = await createProfileRepository(opened.db);
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) samples.push((await time(() => repository.listConversationsPage({ limit: 50 })))[0]);
  const firstPageMs = stats(samples.slice(20));
  opened.db.close();
  write('inbox-first-page', {
    conversations: seeded.conversations,
    messages: seeded.messages,
    pageSize: 50,
    firstPageMs,
    budgetMs: 150,
    note: 'Query time only; the first paint budget (150 ms after unlock) also needs the inbox screen, which comes with the clinic features.',
  });
}

try {
  if (runs('store')) {
    await benchUnlock();
    await benchThroughput();
    await benchInbox();
  }
  if (runs('network')) await benchNetwork({ quick, work, write });
  if (runs('inbox')) await benchInboxService({ quick, work, write });
  console.log(`Results written to ${outDir}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
