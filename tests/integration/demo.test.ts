// `npm run demo` runs this same scenario: a whole clinic on loopback. The relay's folder and
// the devices' folder (the clinician's profile store and its files, the patient's vault)
// must hold none of the words exchanged, nor a line from inside either attachment.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runDemo } from '../../tools/cli/demo-run';

const dir = mkdtempSync(join(tmpdir(), 'cm-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo scenario', () => {
  it('exchanges messages and an attachment each way, and leaves no plaintext in the relay or device folders', async () => {
    const result = await runDemo(dir);
    expect(result.messageCount).toBe(6);
    expect(result.attachmentCount).toBe(2);
    expect(result.samples).toHaveLength(8);
    expect(result.samples.every((s) => s.length >= 16)).toBe(true);
    expect(result.fingerprint).toMatch(/^([A-Z2-7]{4} ){12}[A-Z2-7]{4}$/);
    const walk = (folder: string): string[] => readdirSync(folder).flatMap((name) => (statSync(join(folder, name)).isDirectory() ? walk(join(folder, name)) : [join(folder, name)]));
    const files = [...walk(result.relayDataDir), ...walk(result.devicesDir)];
    expect(files.some((f) => f.endsWith('relay.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('.sealed'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const sample of result.samples) {
        for (const probe of [sample, sample.slice(0, 24)]) expect(bytes.includes(Buffer.from(probe, 'utf8')), `${probe} in ${file}`).toBe(false);
      }
    }
  });
});
