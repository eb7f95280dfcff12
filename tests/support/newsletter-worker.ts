// A front desk computer sending a newsletter in its own process, for the kill -9 test
// (tests/integration/notices-crash.test.ts): it opens the device store it is given, runs the
// campaign, and prints each batch's counts. Arguments: devices dir, device name, key (hex), campaign id.
import { openDevice } from '../../tools/headless';

const [dir, name, keyHex, campaignId] = process.argv.slice(2);
if (!dir || !name || !keyHex || !campaignId) {
  console.error('usage: newsletter-worker DIR NAME KEY_HEX CAMPAIGN_ID');
  process.exit(2);
}
const device = await openDevice(dir, name, Uint8Array.from(Buffer.from(keyHex, 'hex')));
console.log('ready');
const done = await device.client.notices.run(campaignId, (p) => console.log(JSON.stringify({ sent: p.sent, queued: p.queued })));
console.log(JSON.stringify({ done: true, sent: done.sent }));
await device.client.close();
