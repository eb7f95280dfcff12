import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { judgePassphrase } from '../../shared/passphrase';
import type { ProfileSummary } from '../../shared/profiles';
import { loadSodium, randomBytes } from '../crypto/sodium';
import type { Logger } from '../log';
import { AppError } from '../router/app-error';
import { writeFileAtomic } from '../services/atomic-file';
import { StoreTooNewError } from '../storage/errors';
import { type ProfileDatabase, ProfileDamagedError, openProfileDatabase } from '../storage/profile-database';
import type { DeviceKeystore } from './device-keystore';
import {
  type KeyFile,
  KeyFileDamagedError,
  WrongPassphraseError,
  deviceWrapOf,
  parseKeyFile,
  profileKeyBytes,
  subkeys,
  unwrapProfileKey,
  withDeviceWrap,
  wrapProfileKey,
} from './key-file';
import { type ProfilePaths, profilePaths, profilesDir, stagingPrefix } from './profile-paths';
import { type Throttle, createThrottle } from './unlock-throttle';

const Descriptor = z.object({ format: z.literal(1), id: z.uuid(), displayName: z.string(), createdAt: z.string() }).strict();
type Descriptor = z.infer<typeof Descriptor>;

/** An unlocked profile: its database is open and its key is in memory until it is locked. */
export type OpenedProfile = {
  readonly summary: ProfileSummary;
  readonly paths: ProfilePaths;
  readonly db: ProfileDatabase;
  readonly profileKey: Uint8Array;
};

export type ProfileManagerOptions = {
  readonly dataDir: string;
  readonly keystore: DeviceKeystore;
  readonly log: Logger;
  readonly now?: () => number;
};

const damaged = () => new AppError('profile-damaged', 'This profile’s files are damaged. Restore it from a backup.');
const notFound = () => new AppError('profile-not-found', 'There is no such profile on this computer.');

function refuseWhileThrottled(throttle: Throttle): void {
  const wait = throttle.waitSeconds();
  if (wait > 0) throw new AppError('throttled', 'Too many wrong passphrases. Wait before trying again.', undefined, wait);
}

function weak(passphrase: string, displayName: string): AppError | null {
  const verdict = judgePassphrase(passphrase, [displayName]);
  return verdict.ok ? null : new AppError('weak-passphrase', 'This passphrase is too easy to guess.', { passphrase: verdict.problems.join(',') });
}

export function createProfileManager(options: ProfileManagerOptions) {
  const { dataDir, keystore, log } = options;
  const now = options.now ?? Date.now;
  mkdirSync(profilesDir(dataDir), { recursive: true, mode: 0o700 });

  // A creation or restore that was interrupted left a staging folder: it never became a
  // profile, and holds nothing readable, so it is removed.
  for (const name of readdirSync(profilesDir(dataDir))) {
    if (name.startsWith(stagingPrefix)) rmSync(join(profilesDir(dataDir), name), { recursive: true, force: true });
  }

  function readDescriptor(id: string): Descriptor | null {
    try {
      const parsed = Descriptor.parse(JSON.parse(readFileSync(profilePaths(dataDir, id).descriptor, 'utf8')));
      return parsed.id === id ? parsed : null;
    } catch {
      return null;
    }
  }

  async function readKeyFile(paths: ProfilePaths, id: string): Promise<KeyFile> {
    let text: string;
    try {
      text = readFileSync(paths.keyFile, 'utf8');
    } catch {
      throw new KeyFileDamagedError('unreadable');
    }
    return parseKeyFile(text, id);
  }

  async function summaryOf(id: string): Promise<ProfileSummary | null> {
    const descriptor = readDescriptor(id);
    if (!descriptor) return null;
    const paths = profilePaths(dataDir, id);
    let keyFile: KeyFile | null = null;
    try {
      keyFile = await readKeyFile(paths, id);
    } catch {
      keyFile = null;
    }
    return {
      id,
      displayName: descriptor.displayName,
      createdAt: descriptor.createdAt,
      state: keyFile && existsSync(paths.database) ? 'ready' : 'damaged',
      remembersDevice: keyFile?.device !== undefined,
    };
  }

  async function list(): Promise<ProfileSummary[]> {
    const ids = readdirSync(profilesDir(dataDir)).filter((name) => z.uuid().safeParse(name).success);
    const summaries = await Promise.all(ids.map(summaryOf));
    return summaries.filter((s): s is ProfileSummary => s !== null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  function openDatabase(paths: ProfilePaths, databaseKey: Uint8Array): ProfileDatabase {
    try {
      return openProfileDatabase(paths.database, databaseKey, { create: 'never' });
    } catch (error) {
      log.error('profile.open-failed', { kind: error instanceof Error ? error.name : 'unknown' });
      if (error instanceof ProfileDamagedError) throw damaged();
      if (error instanceof StoreTooNewError) {
        throw new AppError('profile-too-new', 'This profile was written by a newer version of the app.');
      }
      throw error;
    }
  }

  async function open(id: string, profileKey: Uint8Array): Promise<OpenedProfile> {
    const summary = await summaryOf(id);
    if (!summary) throw notFound();
    const paths = profilePaths(dataDir, id);
    const keys = await subkeys(profileKey);
    try {
      const db = openDatabase(paths, keys.database);
      return { summary: { ...summary, state: 'ready' }, paths, db, profileKey };
    } catch (error) {
      (await loadSodium()).memzero(profileKey);
      throw error;
    } finally {
      const sodium = await loadSodium();
      sodium.memzero(keys.database);
      sodium.memzero(keys.blobs);
      sodium.memzero(keys.backup);
    }
  }

  /**
   * Builds a complete profile in a staging folder and renames it into place only when the
   * key file, the database and the descriptor are all written: a crash half-way leaves no
   * half profile behind.
   */
  async function materialise(
    displayName: string,
    passphrase: string,
    fill: (staging: ProfilePaths, profileKey: Uint8Array, id: string) => Promise<void>,
    /** A restore brings its own key; a new profile gets a fresh random one. */
    existingKey?: Uint8Array,
  ): Promise<string> {
    const id = randomUUID();
    const staging = profilePaths(dataDir, `${stagingPrefix}${id}`);
    mkdirSync(join(staging.root, 'data'), { recursive: true, mode: 0o700 });
    try {
      const profileKey = existingKey ? new Uint8Array(existingKey) : randomBytes(profileKeyBytes);
      await fill(staging, profileKey, id);
      writeFileAtomic(staging.keyFile, JSON.stringify(await wrapProfileKey(profileKey, passphrase, id), null, 2));
      const descriptor: Descriptor = { format: 1, id, displayName, createdAt: new Date(now()).toISOString() };
      writeFileAtomic(staging.descriptor, JSON.stringify(descriptor, null, 2));
      renameSync(staging.root, profilePaths(dataDir, id).root);
      (await loadSodium()).memzero(profileKey);
      return id;
    } catch (error) {
      rmSync(staging.root, { recursive: true, force: true });
      throw error;
    }
  }

  async function create(displayName: string, passphrase: string): Promise<OpenedProfile> {
    const problem = weak(passphrase, displayName);
    if (problem) throw problem;
    const id = await materialise(displayName, passphrase, async (staging, profileKey) => {
      const keys = await subkeys(profileKey);
      openProfileDatabase(staging.database, keys.database).close();
      (await loadSodium()).memzero(keys.database);
    });
    log.info('profile.created');
    return unlock(id, passphrase);
  }

  async function unlock(id: string, passphrase: string): Promise<OpenedProfile> {
    if (!readDescriptor(id)) throw notFound();
    const paths = profilePaths(dataDir, id);
    const throttle = createThrottle(paths.throttle, now);
    refuseWhileThrottled(throttle);
    let keyFile: KeyFile;
    try {
      keyFile = await readKeyFile(paths, id);
    } catch {
      throw damaged();
    }
    let unwrapped: { key: Uint8Array; needsRewrap: boolean };
    try {
      unwrapped = await unwrapProfileKey(keyFile, passphrase);
    } catch (error) {
      if (error instanceof WrongPassphraseError) {
        const { waitSeconds } = throttle.recordFailure();
        log.warn('profile.unlock-refused', { waitSeconds });
        throw new AppError('wrong-passphrase', 'That passphrase does not open this profile.', undefined, waitSeconds);
      }
      throw error;
    }
    throttle.reset();
    const opened = await open(id, unwrapped.key);
    if (unwrapped.needsRewrap) {
      // Stronger Argon2id parameters than when it was last wrapped: re-wrap now, while the passphrase is at hand.
      writeFileAtomic(paths.keyFile, JSON.stringify(await wrapProfileKey(unwrapped.key, passphrase, id, keyFile.device), null, 2));
      log.info('profile.rewrapped');
    }
    log.info('profile.unlocked', { with: 'passphrase' });
    return opened;
  }

  async function forgetDevice(paths: ProfilePaths, keyFile: KeyFile): Promise<void> {
    writeFileAtomic(paths.keyFile, JSON.stringify(await withDeviceWrap(keyFile, undefined), null, 2));
  }

  /**
   * Unlocks with the OS keystore. Whatever goes wrong (keystore gone, changed, reset, or a
   * key that no longer opens the database), the device wrap is dropped and the user is
   * asked for the passphrase, which always still works: never a lockout.
   */
  async function unlockWithDevice(id: string): Promise<OpenedProfile> {
    if (!readDescriptor(id)) throw notFound();
    const paths = profilePaths(dataDir, id);
    let keyFile: KeyFile;
    try {
      keyFile = await readKeyFile(paths, id);
    } catch {
      throw damaged();
    }
    const device = keyFile.device;
    if (!device) throw new AppError('device-key-unavailable', 'This computer does not remember this profile.');
    const status = keystore.status();
    let key: Uint8Array | null = null;
    if (status.available && status.backend === device.backend) {
      try {
        key = keystore.decrypt(new Uint8Array(Buffer.from(device.ciphertext, 'base64')));
        if (key.length !== profileKeyBytes) key = null;
      } catch {
        key = null;
      }
    }
    if (key) {
      try {
        const opened = await open(id, key);
        log.info('profile.unlocked', { with: 'device' });
        return opened;
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'profile-damaged')) throw error;
      }
    }
    await forgetDevice(paths, keyFile);
    log.warn('profile.device-key-dropped', { backendChanged: status.available && status.backend !== device.backend });
    throw new AppError('device-key-unavailable', 'This computer can no longer unlock this profile by itself. Enter the passphrase.');
  }

  async function changePassphrase(profile: OpenedProfile, current: string, next: string): Promise<void> {
    const { paths } = profile;
    const keyFile = await readKeyFile(paths, profile.summary.id);
    const throttle = createThrottle(paths.throttle, now);
    refuseWhileThrottled(throttle);
    try {
      const { key } = await unwrapProfileKey(keyFile, current);
      (await loadSodium()).memzero(key);
    } catch (error) {
      if (error instanceof WrongPassphraseError) {
        const { waitSeconds } = throttle.recordFailure();
        throw new AppError('wrong-passphrase', 'The current passphrase is not right.', { current: 'wrong' }, waitSeconds);
      }
      throw error;
    }
    throttle.reset();
    const problem = weak(next, profile.summary.displayName);
    if (problem) throw new AppError('weak-passphrase', problem.message, { next: problem.fields?.passphrase ?? 'weak' });
    // Only the wrapping changes: the profile key, and so the database, stay as they are.
    writeFileAtomic(paths.keyFile, JSON.stringify(await wrapProfileKey(profile.profileKey, next, profile.summary.id, keyFile.device), null, 2));
    log.info('profile.passphrase-changed');
  }

  async function setRememberDevice(profile: OpenedProfile, enabled: boolean): Promise<ProfileSummary> {
    const keyFile = await readKeyFile(profile.paths, profile.summary.id);
    if (!enabled) {
      await forgetDevice(profile.paths, keyFile);
      return { ...profile.summary, remembersDevice: false };
    }
    const status = keystore.status();
    if (!status.available) {
      throw new AppError(
        'keystore-unavailable',
        status.reason === 'insecure-backend'
          ? 'This computer has no secure keystore, so it cannot remember the profile safely.'
          : 'This computer has no keystore the app can use.',
      );
    }
    const ciphertext = keystore.encrypt(profile.profileKey);
    writeFileAtomic(profile.paths.keyFile, JSON.stringify(await withDeviceWrap(keyFile, deviceWrapOf(status.backend, ciphertext)), null, 2));
    log.info('profile.device-remembered');
    return { ...profile.summary, remembersDevice: true };
  }

  return { list, create, unlock, unlockWithDevice, changePassphrase, setRememberDevice, materialise, open };
}

export type ProfileManager = ReturnType<typeof createProfileManager>;
