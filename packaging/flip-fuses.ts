// Usage: npm run package:fuses -- <path to the packaged Electron executable>
import { flipFuses } from '@electron/fuses';

import { fuseConfig } from './fuses.ts';

const target = process.argv[2];
if (!target) {
  console.error('Give the path of the packaged executable, e.g. dist/linux-unpacked/clinic-messenger');
  process.exit(2);
}
await flipFuses(target, fuseConfig);
console.log(`Fuses set on ${target}.`);
