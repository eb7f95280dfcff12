import { type AttachmentType } from '../../shared/protocol/attachments';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';

import type { BackupInfo, SessionStatus, TaskProgress } from '../../shared/profiles';
import { prewarmKdf } from '../crypto/kdf';
import { loadSodium } from '../crypto/sodium';
import type { Logger } from '../log';
import { AppError } from '../router/app-error';
import { openEncrypted } from '../storage/open-encrypted';
import { checkIntegrity, openProfileDatabase } from '../storage/profile-database';
import { BackupDamagedError, extractBackup, readBackupHeader, writeBackup } from './backup-file';
import type { DeviceKeystore } from './device-keystore';
import { KeyFileSchema, WrongPassphraseError, subkeys, unwrapProfileKey, withDeviceWrap } from './key-file';
import { createProfileManager } from './profile-manager';
import { createSession } from './session';

/** Where files come from and go to: the shell shows the system's dialogs; tests answer themselves. */
export type FileDialogs = {
  chooseBackupDestination(defaultName: string): Promise<string | null>;
  chooseBackupToRestore(): Promise<string | null>;
  /** Where to save a consent receipt (PDF); null when cancelled. */
  chooseReceiptDestination(defaultName: string): Promise<string | null>;
  /** Where to save a copy of a message's file (its clean name and type suggested). */
  chooseAttachmentDestination(defaultName: string, type: AttachmentType): Promise<string | null>;
  /** Where to save an export (the audit trail as CSV or signed JSON, a patient's record as PDF or FHIR JSON). */
  chooseExportDestination(defaultName: string, kind: 'csv' | 'json' | 'pdf'): Promise<string | null>;
};

export type ProfileServiceOptions = {
  readonly dataDir: string;
  readonly keystore: DeviceKeystore;
  readonly dialogs: FileDialogs;
  readonly log: Logger;
  readonly emitSession: (status: SessionStatus) => void;
  readonly emitProgress: (progress: TaskProgress) => void;
  readonly now?: () => number;
};

const cancelled = () => new AppError('cancelled', 'Nothing was chosen.');

/** A safe file name from a display name: letters and digits only. */
function fileNameFor(displayName: string, date: Date): string {
  const slug = displayName.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  return `clinic-messenger-${slug || 'profile'}-${date.toISOString().slice(0, 10)}.cmbackup`;
}

/** Reports progress at most every 1 % so a large backup does not flood the renderer. */
function throttledProgress(task: TaskProgress['task'], emit: (p: TaskProgress) => void) {
  let lastPercent = -1;
  return (done: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (percent !== lastPercent) {
      lastPercent = percent;
      emit({ task, done, total });
    }
  };
}

export function createProfileService(options: ProfileServiceOptions) {
  const { log } = options;
  const now = options.now ?? Date.now;
  const manager = createProfileManager(options);
  const session = createSession({
    keystore: options.keystore,
    log,
    emit: options.emitSession,
  });
  // Where the clinic does not allow it (or before its rules are known), this computer
  // forgets the key it kept for the account: the passphrase is needed at the next unlock.
  session.onSecurity(async (security) => {
    const profile = session.current();
    if (!profile || security.allowRememberDevice || !profile.summary.remembersDevice) return;
    session.updateSummary(await manager.setRememberDevice(profile, false));
    log.info('profile.device-forgotten', { by: security.source === 'clinic' ? 'clinic-rules' : 'no-rules-yet' });
    session.refresh();
  });
  /** Backups picked for restore, by token: the renderer never handles file paths. */
  const pickedBackups = new Map<string, { path: string; at: number }>();

  function unlocked() {
    const profile = session.current();
    if (!profile) throw new AppError('forbidden', 'Unlock a profile first.');
    return profile;
  }

  async function backup() {
    const profile = unlocked();
    const destination = await options.dialogs.chooseBackupDestination(fileNameFor(profile.summary.displayName, new Date(now())));
    if (!destination) throw cancelled();
    const keys = await subkeys(profile.profileKey);
    // A second, read-only connection holds a snapshot while the file is copied: the WAL is
    // folded in first, and no checkpoint can rewrite the file while the snapshot is open.
    const snapshot = openEncrypted(profile.paths.database, keys.database);
    try {
      snapshot.pragma('wal_checkpoint(TRUNCATE)');
      snapshot.exec('BEGIN');
      snapshot.prepare('SELECT count(*) FROM sqlite_master').get();
      const keyFile = KeyFileSchema.parse(JSON.parse(readFileSync(profile.paths.keyFile, 'utf8')));
      const { bytes } = await writeBackup({
        destination,
        databaseFile: profile.paths.database,
        header: {
          createdAt: new Date(now()).toISOString(),
          displayName: profile.summary.displayName,
          // The copy on this computer's keystore stays here: a backup opens with the passphrase only.
          keyFile: await withDeviceWrap(keyFile, undefined),
        },
        backupKey: keys.backup,
        onProgress: throttledProgress('backup', options.emitProgress),
      });
      snapshot.exec('COMMIT');
      log.info('profile.backed-up', { bytes });
      return { fileName: basename(destination), bytes };
    } catch (error) {
      log.error('profile.backup-failed', { kind: error instanceof Error ? error.name : 'unknown' });
      if (error instanceof AppError) throw error;
      throw new AppError('storage-failed', 'The backup could not be written. Check the place you chose and its free space.');
    } finally {
      snapshot.close();
      const sodium = await loadSodium();
      for (const key of Object.values(keys)) sodium.memzero(key);
    }
  }

  async function inspectBackup(): Promise<BackupInfo> {
    const path = await options.dialogs.chooseBackupToRestore();
    if (!path) throw cancelled();
    try {
      const { header } = readBackupHeader(path);
      const token = nodeRandomBytes(16).toString('hex');
      pickedBackups.set(token, { path, at: now() });
      return { token, fileName: basename(path), displayName: header.displayName, createdAt: header.createdAt, bytes: statSync(path).size };
    } catch (error) {
      if (error instanceof BackupDamagedError) throw new AppError('backup-damaged', 'This file is not a Clinic Messenger backup, or it is damaged.');
      throw error;
    }
  }

  async function restore(token: string, passphrase: string, displayName: string): Promise<SessionStatus> {
    const picked = pickedBackups.get(token);
    if (!picked || now() - picked.at > 30 * 60_000) throw new AppError('bad-request', 'Choose the backup file again.');
    try {
      const { header } = readBackupHeader(picked.path);
      let profileKey: Uint8Array;
      try {
        profileKey = (await unwrapProfileKey(header.keyFile, passphrase)).key;
      } catch (error) {
        if (error instanceof WrongPassphraseError) {
          throw new AppError('wrong-passphrase', 'That passphrase does not open this backup.', { passphrase: 'wrong' });
        }
        throw error;
      }
      const keys = await subkeys(profileKey);
      const id = await manager.materialise(
        displayName,
        passphrase,
        async (staging) => {
          await extractBackup({
            file: picked.path,
            destination: staging.database,
            backupKey: keys.backup,
            onProgress: throttledProgress('restore', options.emitProgress),
          });
          const db = openProfileDatabase(staging.database, keys.database);
          const integrity = checkIntegrity(db);
          db.close();
          if (!integrity.ok) throw new BackupDamagedError('content');
        },
        profileKey,
      );
      const sodium = await loadSodium();
      for (const key of Object.values(keys)) sodium.memzero(key);
      pickedBackups.delete(token);
      log.info('profile.restored');
      return session.begin(await manager.open(id, profileKey));
    } catch (error) {
      if (error instanceof BackupDamagedError) throw new AppError('backup-damaged', 'This backup is damaged: it cannot be restored.');
      throw error;
    }
  }

  return {
    session,
    manager,
    handlers: {
      'profiles:list': () => {
        // The account list precedes an unlock: start the Argon2id worker now.
        prewarmKdf();
        return manager.list();
      },
      'profiles:create': async ({ displayName, passphrase }: { displayName: string; passphrase: string }) =>
        session.begin(await manager.create(displayName, passphrase)),
      'profiles:unlock': async ({ profileId, passphrase }: { profileId: string; passphrase: string }) =>
        session.begin(await manager.unlock(profileId, passphrase)),
      'profiles:unlock-with-device': async ({ profileId }: { profileId: string }) =>
        session.begin(await manager.unlockWithDevice(profileId)),
      'profiles:change-passphrase': async ({ current, next }: { current: string; next: string }) => {
        await manager.changePassphrase(unlocked(), current, next);
        return { changed: true as const };
      },
      'profiles:remember-device': async ({ enabled }: { enabled: boolean }) => {
        if (enabled && !session.security().allowRememberDevice) {
          throw new AppError(
            'forbidden',
            session.security().source === 'clinic'
              ? 'Your clinic’s rules do not let computers unlock an account without its passphrase.'
              : 'This computer can remember the account once your clinic’s rules are known and allow it.',
          );
        }
        session.updateSummary(await manager.setRememberDevice(unlocked(), enabled));
        return session.status();
      },
      'profiles:backup': () => backup(),
      'profiles:inspect-backup': () => inspectBackup(),
      'profiles:restore': ({ token, passphrase, displayName }: { token: string; passphrase: string; displayName: string }) =>
        restore(token, passphrase, displayName),
      'session:status': () => session.status(),
      'session:lock': () => session.lock('manual'),
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
