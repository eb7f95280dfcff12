import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { syntheticData } from '../../tools/cli/synthetic';
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

describe('seeded profiles keep nothing readable on disk', () => {
  beforeAll(() => {
    // The crash test runs the real command-line tool; build it once.
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'run-cli.mjs'), 'seed', '--', '--help-unknown', 'x'], { encoding: 'utf8' });
    expect(built.stderr).toContain('Unknown option --help-unknown');
  });

  it('after seeding: no patient name or message body in the database, WAL, key file or anywhere else', async () => {
    const dataDir = tempDir();
    const result = await seedProfile({ dataDir, passphrase, patients: 300, messages: 3000 });
    expect(result.messages).toBe(3000);
    expect(result.samples.length).toBeGreaterThanOrEqual(6);
    expect(leaks(dataDir, result.samples)).toEqual([]);
    // And the samples are really in there, readable once unlocked (the scan is not vacuous).
    const { createProfileManager } = await import('../../src/main/profiles/profile-manager');
    const { createProfileRepository } = await import('../../src/main/storage/repository');
    const { createMemoryLogger } = await import('../../src/main/log');
    const { noKeystore } = await import('../../src/main/profiles/device-keystore');
    const manager = createProfileManager({ dataDir, keystore: noKeystore, log: createMemoryLogger() });
    const opened = await manager.unlock(result.profileId, passphrase);
    const repository = await createProfileRepository(opened.db);
    expect(repository.searchMessages('swelling', 5).length).toBeGreaterThan(0);
    opened.db.close();
  });

  it('after kill -9 in the middle of seeding: still nothing readable, and the profile opens', async () => {
    const dataDir = tempDir();
    const { samples } = syntheticData({ patients: 2000, messages: 400_000 });
    const child: ChildProcess = spawn(
      process.execPath,
      [join(root, 'out', 'cli', 'seed.mjs'), '--profile-dir', dataDir, '--passphrase', passphrase, '--patients', '2000', '--messages', '400000'],
      { stdio: 'ignore' },
    );
    // Wait until the profile exists and its database has started to grow, then kill.
    const deadline = Date.now() + 20_000;
    let walSeen = false;
    while (!walSeen && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      let profiles: { name: string }[] = [];
      try {
        profiles = readdirSync(join(dataDir, 'profiles'), { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
      } catch {
        continue; // not created yet
      }
      walSeen = profiles.some((p) => {
        try {
          return statSync(join(dataDir, 'profiles', p.name, 'data', 'profile.db-wal')).size > 1_000_000;
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
    const { createMemoryLogger } = await import('../../src/main/log');
    const { noKeystore } = await import('../../src/main/profiles/device-keystore');
    const { checkIntegrity } = await import('../../src/main/storage/profile-database');
    const manager = createProfileManager({ dataDir, keystore: noKeystore, log: createMemoryLogger() });
    const [summary] = await manager.list();
    expect(summary?.state).toBe('ready');
    const opened = await manager.unlock(summary?.id ?? '', passphrase);
    expect(checkIntegrity(opened.db).ok).toBe(true);
    opened.db.close();
  }, 60_000);
});
