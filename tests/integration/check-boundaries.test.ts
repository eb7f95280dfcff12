import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

// @ts-expect-error: a plain .mjs script without type declarations
import { checkBoundaries } from '../../scripts/check-boundaries.mjs';

const check = checkBoundaries as (root: string) => string[];
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('import boundary check', () => {
  it('passes on this repository', () => {
    expect(check(resolve(import.meta.dirname, '../..'))).toEqual([]);
  });

  it.each([
    ['src/renderer/src/x.ts', "import { readFileSync } from 'node:fs';", /renderer code may not import the Node.js module 'node:fs'/],
    ['src/renderer/src/x.ts', "import path from 'path';", /Node.js module 'path'/],
    ['src/renderer/src/x.ts', "import { ipcRenderer } from 'electron';", /renderer code may not import the package 'electron'/],
    ['src/renderer/src/x.ts', "import { x } from '../../main/log';", /renderer code may not import main code/],
    ['src/renderer/src/x.ts', "const m = await import('../../preload/index');", /renderer code may not import preload code/],
    ['src/shared/x.ts', "import React from 'react';", /shared code may not import the package 'react'/],
    ['src/shared/x.ts', "const fs = require('fs');", /shared code may not import the Node.js module 'fs'/],
    ['src/shared/x.ts', "export * from '../main/log';", /shared code may not import main code/],
    ['src/preload/x.ts', "import { readFile } from 'node:fs/promises';", /preload code may not import the Node.js module/],
    ['src/main/x.ts', "import { App } from '../renderer/src/app/app';", /main code may not import renderer code/],
    ['src/main/network/x.ts', "import { startRelay } from '../../relay/server';", /main code may not import relay code/],
    ['src/main/x.ts', "import { startHeadlessClinic } from '../../tools/headless';", /main code may not import from tools\//],
    ['src/relay/x.ts', "import { pinnedClock } from '../../tests/support/clock';", /relay code may not import from tests\//],
  ])('reports %s importing `%s`', (path, line, message) => {
    const violations = check(tree({ [path]: `${line}\nexport const y = 1;\n` }));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(message);
    expect(violations[0]).toContain(`${path}:1`);
  });

  it('allows what each zone may use', () => {
    const root = tree({
      'src/shared/a.ts': "import { z } from 'zod';\nexport const a = z.string();",
      'src/renderer/src/b.tsx': "import { a } from '../../shared/a';\nimport { useState } from 'react';\nexport { a, useState };",
      'src/preload/c.ts': "import { contextBridge } from 'electron';\nimport { a } from '../shared/a';\nexport { contextBridge, a };",
      'src/main/d.ts': "import { join } from 'node:path';\nimport Database from 'better-sqlite3-multiple-ciphers';\nexport { join, Database };",
      // The one seam where the app starts its embedded relay.
      'src/main/network/embedded-relay.ts': "import { startRelay } from '../../relay/server';\nexport { startRelay };",
    });
    expect(check(root)).toEqual([]);
  });
});
