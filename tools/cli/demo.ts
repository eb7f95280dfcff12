// npm run demo [-- --dir DIR]
// Runs a whole clinic on this computer (relay, IT admin, clinician, front desk, patient),
// exchanges messages and an attachment both ways, and prints one JSON line: the relay's data
// folder, the devices' folder, the counts, and the plaintext samples exchanged, a line from
// inside each attachment among them (to search the folders' files for).
import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';

import { parseArgs } from './args';
import { runDemo } from './demo-run';

try {
  const args = parseArgs(process.argv.slice(2), ['dir']);
  let dir: string | undefined;
  if (args.dir) {
    dir = resolve(args.dir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const result = await runDemo(dir);
  console.log(JSON.stringify({ relayDataDir: result.relayDataDir, devicesDir: result.devicesDir, messageCount: result.messageCount, attachmentCount: result.attachmentCount, fingerprint: result.fingerprint, samples: result.samples }));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error && typeof error === 'object' && 'code' in error ? ` (${String(error.code)})` : '';
  console.error(`demo: ${message}${code}`);
  process.exit(1);
}
