// npm run seed -- --profile-dir DIR --passphrase P --patients N --messages M [--name "Clinician's name"]
// Builds a clinic in DIR (used as the app's data folder: open it with
// CLINIC_MESSENGER_DATA_DIR=DIR npm start): an IT admin's account, a clinician's account with
// N synthetic patients and M messages in the inbox, both with passphrase P. Prints one JSON line.
import { resolve } from 'node:path';

import { parseArgs, positiveInt } from './args';
import { seedProfile } from './seed-profile';

try {
  const args = parseArgs(process.argv.slice(2), ['profile-dir', 'passphrase', 'patients', 'messages', 'name']);
  if (!args['profile-dir'] || !args.passphrase) throw new Error('--profile-dir and --passphrase are required.');
  const dataDir = resolve(args['profile-dir']);
  const result = await seedProfile({
    dataDir,
    passphrase: args.passphrase,
    ...(args.name ? { clinicianName: args.name } : {}),
    say: (line) => console.error(line),
    patients: positiveInt(args.patients, 'patients', 50),
    messages: positiveInt(args.messages, 'messages', 500),
  });
  console.log(JSON.stringify({ dataDir, ...result }));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error && typeof error === 'object' && 'code' in error ? ` (${String(error.code)})` : '';
  console.error(`seed: ${message}${code}`);
  process.exit(1);
}
