// `npm run audit:verify -- FILE`: checks a signed export of the clinic's audit trail offline
// (ADR 20). Prints what it found, one fact per line; exits 0 only when the file's signature,
// every certificate, the relay's checkpoint, every head's place in the log and every chain
// hold. Compare the printed fingerprint with the one on the clinic's consent receipts.
import { readFileSync } from 'node:fs';

import sodium from 'libsodium-wrappers-sumo';

import { verifyAuditExport } from '../../src/shared/protocol/audit-export';
import { type AuditBreak } from '../../src/shared/protocol/audit-log';

const words: Record<AuditBreak['kind'], string> = {
  missing: 'events missing',
  reordered: 'events out of order or sent twice',
  altered: 'an event or batch was changed',
  'bad-signature': 'a chain head is not signed by its computer',
  'not-in-log': 'a chain head is not in the relay’s log',
  'unknown-device': 'events from a computer with no certificate in the file',
  'bad-checkpoint': 'the relay’s log was rewritten',
};

export function describeBreak(b: AuditBreak): string {
  const where = b.seq === 0 ? 'the log' : `computer ${b.deviceId}, event ${b.seq}${b.toSeq !== undefined && b.toSeq !== b.seq ? `–${b.toSeq}` : ''}`;
  return `BREAK ${b.kind}: ${words[b.kind]} (${where})`;
}

async function main(): Promise<number> {
  const file = process.argv.slice(2).find((a) => a !== '--');
  if (!file) {
    console.error('Usage: npm run audit:verify -- FILE.audit.json');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    console.error(`The file ${file} could not be read. Check its path.`);
    return 2;
  }
  await sodium.ready;
  const report = verifyAuditExport(sodium, text);
  if ('unreadableFile' in report) {
    console.log(`NOT VERIFIED: ${report.unreadableFile}`);
    return 1;
  }
  console.log(`clinic ${report.clinicId}, root fingerprint ${report.fingerprint}`);
  console.log(`exported ${new Date(report.exportedAt).toISOString()} by computer ${report.exportedBy}; relay log of ${report.logSize} heads`);
  for (const d of report.devices) console.log(`computer ${d.deviceId} (${d.role} ${d.staffId}): ${d.events} events read, chain head at event ${d.lastSeq}`);
  if (report.unreadable > 0) console.log(`${report.unreadable} events were sealed before the exporting computer was an IT admin's: their heads were checked, not their content`);
  for (const p of report.problems) console.log(`PROBLEM ${p}`);
  for (const b of report.breaks) console.log(describeBreak(b));
  console.log(report.ok ? `VERIFIED: ${report.events} events, every chain and the log hold.` : `NOT VERIFIED: ${report.problems.length + report.breaks.length} problem(s) above.`);
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
