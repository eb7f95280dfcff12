import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type InboxList } from '../../src/shared/inbox';
import { createMemoryLogger } from '../../src/main/log';
import { noKeystore } from '../../src/main/profiles/device-keystore';
import { createMainServices } from '../../src/main/services/main-services';
import { seedPatients } from '../../tools/cli/seed-inbox';
import { seedProfile } from '../../tools/cli/seed-profile';

const root = resolve(import.meta.dirname, '../..');
const passphrase = 'copper lantern orbit meadow 47';
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else yield full;
  }
}

/** Every sample, in UTF-8 and UTF-16LE, searched in every byte of every file under `dir`. */
function leaks(dir: string, samples: readonly string[]): string[] {
  const found: string[] = [];
  const needles = samples.flatMap((s) => [Buffer.from(s, 'utf8'), Buffer.from(s, 'utf16le')]);
  for (const file of files(dir)) {
    const bytes = readFileSync(file);
    for (const needle of needles) if (bytes.includes(needle)) found.push(`${file}: ${needle.toString(needle.length > 1 && needle[1] === 0 ? 'utf16le' : 'utf8')}`);
  }
  return found;
}

/** The real app's services over `dataDir`, called as the renderer calls them. */
function appOn(dataDir: string) {
  const origin = 'app://renderer';
  const services = createMainServices({
    dataDir,
    appInfo: {
      name: 'Clinic Messenger',
      version: '0.1.0',
      host: 'browser-harness',
      packaged: false,
      build: { commit: 'test', date: '2026-12-06' },
      runtime: { node: process.versions.node, electron: null, chrome: null, platform: process.platform, arch: process.arch },
    },
    shell: () => ({ kind: 'browser-harness' }),
    trustedOrigins: [origin],
    log: createMemoryLogger(),
    keystore: noKeystore,
    dialogs: { chooseBackupDestination: async () => null, chooseBackupToRestore: async () => null, chooseReceiptDestination: async () => null, chooseAttachmentDestination: async () => null, chooseExportDestination: async () => null },
    emit: () => undefined,
  });
  const call = async <T,>(channel: string, payload: unknown = {}): Promise<T> => {
    const result = await services.router.dispatch(channel, payload, { origin });
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value as T;
  };
  return {
    call,
    async close() {
      await services.session.lock('manual');
      await services.clinic.close();
    },
  };
}

describe('npm run seed', () => {
  beforeAll(() => {
    // The crash test runs the real command-line tool; build it once.
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'run-cli.mjs'), 'seed', '--', '--help-unknown', 'x'], { encoding: 'utf8' });
    expect(built.stderr).toContain('Unknown option --help-unknown');
  });

  it('builds a clinic the app opens as a clinician with the conversations in the inbox, and nothing readable on disk', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const result = await seedProfile({ dataDir, passphrase, patients: 60, messages: 900 });
    expect(result).toMatchObject({ patients: 60, conversations: 60 });
    expect(result.messages).toBeGreaterThanOrEqual(900);
    expect(result.samples.length).toBeGreaterThanOrEqual(8);
    expect(leaks(dataDir, result.samples)).toEqual([]);

    // The app, started on that folder, offers both accounts; the clinician's opens on the inbox.
    const app = appOn(dataDir);
    try {
      const accounts = await app.call<{ id: string; displayName: string }[]>('profiles:list');
      expect(accounts.map((a) => a.id).sort()).toEqual([result.profileId, result.adminProfileId].sort());
      const unlocked = await app.call<{ clinicRole: string | null }>('profiles:unlock', { profileId: result.profileId, passphrase });
      expect(unlocked.clinicRole).toBe('clinician');
      const all = await app.call<InboxList>('inbox:list', { query: '', filter: 'all' });
      expect(all.rows).toHaveLength(60);
      const needsAnswer = await app.call<InboxList>('inbox:list', { query: '', filter: 'needs-answer' });
      expect(needsAnswer.rows).toHaveLength(result.needsAnswer);
      expect(result.needsAnswer).toBeGreaterThan(0);
      // The scan above is not vacuous: the samples are really there, readable once unlocked.
      const [first] = seedPatients(1);
      const byName = await app.call<InboxList>('inbox:list', { query: first?.card.familyName ?? '?', filter: 'all' });
      expect(byName.rows.map((r) => r.patientId)).toContain(first?.patientId);
      const thread = await app.call<{ messages: { body: string }[] }>('inbox:thread', { patientId: first?.patientId });
      expect(thread.messages.map((m) => m.body)).toEqual(expect.arrayContaining(result.samples.slice(-3)));
    } finally {
      await app.close();
    }
  });

  it('after kill -9 in the middle of seeding: still nothing readable, and every account opens and checks clean', { timeout: 90_000 }, async () => {
    const dataDir = tempDir();
    const patients = 400;
    const samples = seedPatients(patients).slice(0, 20).flatMap((p) => [`${p.card.givenName} ${p.card.familyName}`, p.card.familyName]);
    const child: ChildProcess = spawn(
      process.execPath,
      [join(root, 'out', 'cli', 'seed.mjs'), '--profile-dir', dataDir, '--passphrase', passphrase, '--patients', String(patients), '--messages', '400000'],
      { stdio: 'ignore' },
    );
    // Wait until the clinician's store has started to grow with messages, then kill.
    const deadline = Date.now() + 60_000;
    let walSeen = false;
    while (!walSeen && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      let profiles: string[] = [];
      try {
        profiles = readdirSync(join(dataDir, 'profiles'), { withFileTypes: true })
          .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
          .map((e) => e.name);
      } catch {
        continue; // not created yet
      }
      walSeen = profiles.some((id) => {
        try {
          return statSync(join(dataDir, 'profiles', id, 'data', 'network.db-wal')).size > 1_000_000;
        } catch {
          return false;
        }
      });
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(walSeen).toBe(true);
    expect(leaks(dataDir, samples)).toEqual([]);

    const { createProfileManager } = await import('../../src/main/profiles/profile-manager');
    const { checkIntegrity } = await import('../../src/main/storage/profile-database');
    const { subkeys } = await import('../../src/main/profiles/key-file');
    const { openEncrypted } = await import('../../src/main/storage/open-encrypted');
    const manager = createProfileManager({ dataDir, keystore: noKeystore, log: createMemoryLogger() });
    const summaries = await manager.list();
    expect(summaries).toHaveLength(2);
    for (const summary of summaries) {
      expect(summary.state).toBe('ready');
      const opened = await manager.unlock(summary.id, passphrase);
      try {
        expect(checkIntegrity(opened.db).ok).toBe(true);
        const store = openEncrypted(opened.paths.network, (await subkeys(opened.profileKey)).network, { mustExist: true });
        try {
          expect(store.pragma('integrity_check', { simple: true })).toBe('ok');
        } finally {
          store.close();
        }
      } finally {
        opened.db.close();
      }
    }
  });
});
