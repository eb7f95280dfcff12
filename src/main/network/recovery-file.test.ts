import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { rootFingerprint } from '../../shared/protocol/keys';
import { RecoveryFileError, readRecoveryFile, writeRecoveryFile } from './recovery-file';

const passphrase = 'orchard lantern pebble whistle 42';
let root: { publicKey: Uint8Array; privateKey: Uint8Array };
beforeAll(async () => {
  await sodium.ready;
  root = sodium.crypto_sign_keypair();
});

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RecoveryFileError);
    return (error as RecoveryFileError).code;
  }
  return 'no error';
};

describe('clinic root recovery file', () => {
  it('gives back the root key with the right passphrase, and holds no key in clear', async () => {
    const text = await writeRecoveryFile({ clinicId: 'clinic-1', rootSecretKey: root.privateKey, passphrase });
    expect(text).not.toContain(Buffer.from(root.privateKey).toString('base64'));
    expect(text).not.toContain(Buffer.from(root.privateKey.slice(0, 32)).toString('base64').slice(0, 20));
    const opened = await readRecoveryFile(text, passphrase, 'clinic-1');
    expect(opened.rootSecretKey).toEqual(root.privateKey);
    expect(opened.fingerprint).toBe(rootFingerprint(sodium, root.publicKey));
  });

  it('refuses a wrong passphrase, a changed header, another clinic, a damaged file and a weak passphrase', async () => {
    const text = await writeRecoveryFile({ clinicId: 'clinic-1', rootSecretKey: root.privateKey, passphrase });
    expect(await codeOf(readRecoveryFile(text, 'orchard lantern pebble whistle 43'))).toBe('wrong-passphrase');
    const renamed = JSON.stringify({ ...JSON.parse(text), clinicId: 'clinic-2' });
    expect(await codeOf(readRecoveryFile(renamed, passphrase))).toBe('wrong-passphrase');
    expect(await codeOf(readRecoveryFile(text, passphrase, 'clinic-2'))).toBe('wrong-clinic');
    expect(await codeOf(readRecoveryFile(text.slice(0, 100), passphrase))).toBe('damaged');
    expect(await codeOf(readRecoveryFile(JSON.stringify({ ...JSON.parse(text), kdf: { ...JSON.parse(text).kdf, opsLimit: 1 } }), passphrase))).toBe('damaged');
    expect(await codeOf(writeRecoveryFile({ clinicId: 'clinic-1', rootSecretKey: root.privateKey, passphrase: 'password123' }))).toBe('weak-passphrase');
  });
});
