// `npm run triage -- --file F.jsonl`: how the urgent-sign matcher does on a labelled set.
// Each input line: {"text": "...", "urgent": true|false, "lang"?: "en"|"fr"}. Prints one JSON
// line {"recall", "falseAlarmRate", "n"}; with --show yes, the misses and false alarms follow
// on standard error (the set is the project's own, written for it: no patient's words).
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { createTriageMatcher, scoreTriage } from '../../src/shared/triage/matcher';
import { defaultUrgentSigns } from '../../src/shared/triage/urgent-signs';
import { parseArgs } from './args';

const line = z.strictObject({ text: z.string().min(1).max(20_000), urgent: z.boolean(), lang: z.enum(['en', 'fr']).optional() });

export function readLabelled(path: string): z.infer<typeof line>[] {
  const items: z.infer<typeof line>[] = [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`The file ${path} could not be read. Check its path.`);
  }
  text
    .split('\n')
    .forEach((raw, index) => {
      if (!raw.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new Error(`Line ${index + 1} is not JSON.`);
      }
      const parsed = line.safeParse(value);
      if (!parsed.success) throw new Error(`Line ${index + 1} needs {"text": "...", "urgent": true|false, "lang"?: "en"|"fr"}.`);
      items.push(parsed.data);
    });
  return items;
}

function main(): void {
  let items;
  let show = false;
  try {
    const args = parseArgs(process.argv.slice(2), ['file', 'show']);
    if (!args.file) throw new Error('Give the labelled set: --file F.jsonl');
    show = args.show === 'yes';
    items = readLabelled(args.file);
  } catch (error) {
    console.error(`triage: ${error instanceof Error ? error.message : 'the file could not be read'}`);
    process.exit(2);
  }
  if (items.length === 0) {
    console.error('triage: the file holds no labelled message.');
    process.exit(2);
  }
  const score = scoreTriage(createTriageMatcher(defaultUrgentSigns), items);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({ recall: round(score.recall), falseAlarmRate: round(score.falseAlarmRate), n: score.n }));
  if (show) {
    for (const text of score.missed) console.error(`missed: ${text}`);
    for (const text of score.falseAlarms) console.error(`false alarm: ${text}`);
  }
}

main();
