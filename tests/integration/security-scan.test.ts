import { describe, expect, it } from 'vitest';

// @ts-expect-error: a plain .mjs script without type declarations
import { judge, parseCsv, wellFormedRow } from '../../scripts/security-scan.mjs';

type Finding = { check: string; file: string; sample: string };
const parse = parseCsv as (text: string) => string[][];
const wellFormed = wellFormedRow as (row: string[]) => boolean;
const decide = judge as (
  findings: Finding[],
  accepted: (Finding & { count?: number })[],
) => { unaccepted: Finding[]; stale: Finding[] };

describe('security scan gate', () => {
  it('reads quoted CSV fields with commas, quotes and line breaks', () => {
    const rows = parse('issue, severity\r\nA,"x, ""y""\nz"\nB,plain\n');
    expect(rows).toEqual([
      ['issue', ' severity'],
      ['A', 'x, "y"\nz'],
      ['B', 'plain'],
    ]);
  });

  it('tells a mangled report (a first row cut short) from a good one', () => {
    const good = 'issue, severity, confidence, filename, location, sample, description, url\nPRELOAD_JS_CHECK,"MEDIUM","FIRM","main/w.ts","25:6","preload: x,","Review",https://e/x\n';
    const mangled = 'issue, severity, confidence, filename, location, sample, description, url\ned to parse CSP, it may not be valid.",https://e/csp\nPRELOAD_JS_CHECK,"MEDIUM","FIRM","main/w.ts","25:6","preload: x,","Review",https://e/x\n';
    const [, ...goodRows] = parse(good);
    expect(goodRows.every(wellFormed)).toBe(true);
    const [, ...mangledRows] = parse(mangled);
    expect(mangledRows.every(wellFormed)).toBe(false);
  });

  it('accepts only listed findings, as many times as listed, and reports stale entries', () => {
    const open = { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'main/a.ts', sample: 'open(url)' };
    const sandbox = { check: 'SANDBOX_JS_CHECK', file: 'main/w.ts', sample: 'new BrowserWindow({})' };
    const gone = { check: 'PRELOAD_JS_CHECK', file: 'main/old.ts', sample: 'preload: x' };
    const result = decide([open, open, sandbox], [{ ...open, count: 1 }, gone]);
    expect(result.unaccepted).toEqual([open, sandbox]);
    expect(result.stale).toEqual([gone]);
  });
});
