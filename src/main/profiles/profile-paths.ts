import { join } from 'node:path';

/** Where each part of a profile lives, under `<data folder>/profiles/<id>/`. */
export function profilePaths(dataDir: string, id: string) {
  const root = join(dataDir, 'profiles', id);
  return {
    root,
    /** The display name the owner chose to show, and the creation date: nothing else. */
    descriptor: join(root, 'profile.json'),
    keyFile: join(root, 'key.json'),
    throttle: join(root, 'unlock-attempts.json'),
    database: join(root, 'data', 'profile.db'),
    /**
     * This computer's membership of a clinic: device keys, directory, outbox. Not in
     * backups: a restored profile joins again as a new device, never as a copy of this one.
     */
    network: join(root, 'data', 'network.db'),
    blobs: join(root, 'blobs'),
  };
}
export type ProfilePaths = ReturnType<typeof profilePaths>;

export const profilesDir = (dataDir: string) => join(dataDir, 'profiles');
/** A profile being created or restored lives here until it is complete, then is renamed into place. */
export const stagingPrefix = '.incomplete-';
