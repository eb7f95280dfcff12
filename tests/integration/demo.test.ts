// `npm run demo` runs this same scenario: a whole clinic on loopback. The relay's folder must
// hold none of the words exchanged.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runDemo } from '../../tools/cli/demo-run';

const dir = mkdtempSync(join(tmpdir(), 'cm-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo scenario', () => {
  it('exchanges messages both ways and leaves no plaintext in the relay folder', async () => {
    const result = await runDemo(dir);
    expect(result.messageCount).toBe(4);
    expect(result.samples).toHaveLength(4);
    expect(result.fingerprint).toMatch(/^([A-Z2-7]{4} ){12}[A-Z2-7]{4}$/);
    const files = readdirSync(result.relayDataDir).map((name) => join(result.relayDataDir, name));
    expect(files.some((f) => f.endsWith('relay.db'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const sample of result.samples) {
        for (const probe of [sample, sample.slice(0, 24)]) expect(bytes.includes(Buffer.from(probe, 'utf8')), `${probe} in ${file}`).toBe(false);
      }
    }
  });
});
