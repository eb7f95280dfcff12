import { createMemoryLogger } from '../../src/main/log';
import { noKeystore } from '../../src/main/profiles/device-keystore';
import { createProfileManager } from '../../src/main/profiles/profile-manager';
import { createProfileRepository } from '../../src/main/storage/repository';
import { syntheticData } from './synthetic';

export type SeedResult = {
  readonly profileId: string;
  readonly patients: number;
  readonly conversations: number;
  readonly messages: number;
  readonly samples: readonly string[];
  readonly seconds: number;
};

/**
 * Creates a profile in `dataDir` (used as the app's data folder) and fills it with
 * synthetic patients and messages, in batches of 10,000 per transaction.
 */
export async function seedProfile(options: {
  dataDir: string;
  passphrase: string;
  displayName?: string;
  patients: number;
  messages: number;
}): Promise<SeedResult> {
  const started = performance.now();
  const manager = createProfileManager({ dataDir: options.dataDir, keystore: noKeystore, log: createMemoryLogger() });
  const opened = await manager.create(options.displayName ?? 'Seeded profile', options.passphrase);
  try {
    const repository = await createProfileRepository(opened.db);
    const data = syntheticData({ patients: options.patients, messages: options.messages });
    const batch = 10_000;
    for (let i = 0; i < data.patients.length; i += batch) repository.insertPatients(data.patients.slice(i, i + batch));
    for (let i = 0; i < data.conversations.length; i += batch) repository.insertConversations(data.conversations.slice(i, i + batch));
    for (let i = 0; i < data.messages.length; i += batch) repository.insertMessages(data.messages.slice(i, i + batch));
    return {
      profileId: opened.summary.id,
      patients: data.patients.length,
      conversations: data.conversations.length,
      messages: repository.countMessages(),
      samples: data.samples,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    opened.db.close();
    opened.profileKey.fill(0);
  }
}
