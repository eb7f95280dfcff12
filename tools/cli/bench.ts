// npm run bench [-- --quick yes] [-- --only store|network|inbox|codes|newsletter|attachments]: measures unlock and the device
// store (encrypted against plain SQLite) against the budgets in the architecture notes, the
// message path on loopback (bench-network.ts), the clinician's inbox (bench-inbox.ts), the
// cost of guessing a short code offline (bench-codes.ts), a newsletter to 5,000 patients
// (bench-newsletter.ts), a 10 MB photo from the portal to the clinician (bench-attachments.ts), and
// writes one JSON file per measurement under bench/results/.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';

import { currentKdfParams } from '../../src/main/crypto/kdf';
import { randomBytes } from '../../src/main/crypto/sodium';
import { createMemoryLogger } from '../../src/main/log';
import { type ClientStore, clientStoreOn, openClientStore } from '../../src/main/network/client-store';
import { noKeystore } from '../../src/main/profiles/device-keystore';
import { subkeys } from '../../src/main/profiles/key-file';
import { createProfileManager } from '../../src/main/profiles/profile-manager';
import { profilePaths } from '../../src/main/profiles/profile-paths';
import { parseArgs } from './args';
import { benchAttachments } from './bench-attachments';
import { benchCodes } from './bench-codes';
import { benchInbox as benchInboxService } from './bench-inbox';
import { benchNetwork } from './bench-network';
import { benchNewsletter } from './bench-newsletter';
import { seedProfile } from './seed-profile';
import { syntheticMessages } from './synthetic';

const passphrase = 'copper lantern orbit meadow 47';
const args = parseArgs(process.argv.slice(2), ['quick', 'out', 'only']);
const quick = args.quick === 'yes';
const groups = ['store', 'network', 'inbox', 'codes', 'newsletter', 'attachments'] as const;
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

/**
 * Unlock of the clinician's account that `npm run seed` builds (its inbox holding 100k
 * messages): Argon2id, key unwrap, opening and checking the profile database, then opening
 * the device store that holds the messages, as the app does before the inbox can show.
 */
async function benchUnlock() {
  const messages = quick ? 10_000 : 100_000;
  const dataDir = join(work, 'unlock');
  const seeded = await seedProfile({ dataDir, passphrase, patients: quick ? 500 : 2000, messages, say: (line) => console.log(`  ${line}`) });
  const manager = createProfileManager({ dataDir, keystore: noKeystore, log: createMemoryLogger() });
  const samples: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const [ms] = await time(async () => {
      const opened = await manager.unlock(seeded.profileId, passphrase);
      const store = openClientStore(opened.paths.network, (await subkeys(opened.profileKey)).network);
      const held = store.outboxSize() + store.inbox.conversations().length;
      store.close();
      opened.db.close();
      opened.profileKey.fill(0);
      return held;
    });
    samples.push(ms);
  }
  const paths = profilePaths(dataDir, seeded.profileId);
  const mib = (file: string) => Math.round((statSync(file).size / 2 ** 20) * 10) / 10;
  const unlockMs = stats(samples);
  write('profile-unlock', {
    messages: seeded.messages,
    conversations: seeded.conversations,
    profileDatabaseMiB: mib(paths.database),
    deviceStoreMiB: mib(paths.network),
    kdf: { alg: 'argon2id13', opsLimit: currentKdfParams.opsLimit, memLimitMiB: currentKdfParams.memLimitBytes / 2 ** 20 },
    unlockMs,
    budgetMs: 1000,
    withinBudget: unlockMs.p50 <= 1000,
  });
}

/** The same writes and reads on the encrypted device store and on the same store over plain SQLite, in the same run. */
async function benchThroughput() {
  const conversations = 1000;
  const messages = syntheticMessages(quick ? 20_000 : 100_000, conversations, 7);
  const ids = [...new Set(messages.map((m) => m.conversationId))];
  const run = async (label: string, store: ClientStore) => {
    const [insertMs] = await time(() => {
      for (let i = 0; i < messages.length; i += 5000) {
        store.transaction(() => {
          for (const message of messages.slice(i, i + 5000)) store.addMessage(message, message.sentAt);
        });
      }
    });
    const [queryMs] = await time(() => {
      for (let i = 0; i < 2000; i++) store.messagePage(ids[(i * 7919) % ids.length] ?? '', 50);
    });
    const [searchMs] = await time(() => {
      for (let i = 0; i < 200; i++) store.conversationsMentioning(i % 2 ? 'prescription' : 'rendez-vous');
    });
    const [listMs] = await time(() => {
      for (let i = 0; i < 200; i++) store.inbox.conversations();
    });
    store.close();
    return {
      label,
      insertPerSecond: Math.round(messages.length / (insertMs / 1000)),
      threadPagesPerSecond: Math.round(2000 / (queryMs / 1000)),
      searchesPerSecond: Math.round(200 / (searchMs / 1000)),
      summaryListsPerSecond: Math.round(200 / (listMs / 1000)),
      insertMs: Math.round(insertMs),
      queryMs: Math.round(queryMs),
      searchMs: Math.round(searchMs),
      listMs: Math.round(listMs),
    };
  };
  const plain = (file: string) => clientStoreOn(new Database(file), `${file}.files`);
  const encrypted = (file: string) => openClientStore(file, randomBytes(32));
  // Alternate the order so neither side always runs on a warm cache.
  const plainA = await run('plain', plain(join(work, 'plain-a.db')));
  const encryptedA = await run('encrypted', encrypted(join(work, 'enc-a.db')));
  const encryptedB = await run('encrypted', encrypted(join(work, 'enc-b.db')));
  const plainB = await run('plain', plain(join(work, 'plain-b.db')));
  const avg = (a: number, b: number) => (a + b) / 2;
  const ratio = (key: 'insertMs' | 'queryMs' | 'searchMs' | 'listMs') =>
    Math.round((avg(encryptedA[key], encryptedB[key]) / avg(plainA[key], plainB[key])) * 100) / 100;
  const ratios = { insert: ratio('insertMs'), threadQuery: ratio('queryMs'), search: ratio('searchMs'), conversationList: ratio('listMs') };
  write('store-throughput', {
    store: 'device store (network.db), where the inbox reads',
    messages: messages.length,
    conversations: ids.length,
    runs: [plainA, encryptedA, encryptedB, plainB],
    encryptedOverPlain: ratios,
    budgetRatio: 1.3,
    withinBudget: Object.values(ratios).every((r) => r <= 1.3),
  });
}

try {
  if (runs('store')) {
    await benchUnlock();
    await benchThroughput();
  }
  if (runs('network')) await benchNetwork({ quick, work, write });
  if (runs('inbox')) await benchInboxService({ quick, work, write });
  if (runs('codes')) await benchCodes({ quick, write });
  if (runs('newsletter')) await benchNewsletter({ quick, work, write });
  if (runs('attachments')) await benchAttachments({ quick, work, write });
  console.log(`Results written to ${outDir}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
