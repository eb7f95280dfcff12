import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runRelayCli } from '../../src/relay/cli';
import { createMemoryRelayLogger } from '../../src/relay/log';

const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('relay command line', () => {
  it('prints the setup token once, and usage on bad options', async () => {
    const printed: string[] = [];
    const io = { print: (t: string) => printed.push(t), logger: createMemoryRelayLogger() };
    expect(await runRelayCli(['--port', 'x'], {}, io)).toBe(2);
    expect(printed.join('')).toMatch(/--port \/ RELAY_PORT must be a whole number[\s\S]*Usage: relay/);

    printed.length = 0;
    const first = await runRelayCli(['--port', '0'], { RELAY_DATA_DIR: dir }, io);
    if (typeof first === 'number') throw new Error('did not start');
    await first.close();
    expect(printed.join('')).toContain(first.setupToken!);
    expect(io.logger.lines.join('\n')).not.toContain(first.setupToken!);

    printed.length = 0;
    const second = await runRelayCli(['--port=0', `--data-dir=${dir}`], {}, io);
    if (typeof second === 'number') throw new Error('did not start');
    await second.close();
    expect(printed).toEqual([]);
  });
});
