import { describe, expect, it } from 'vitest';

import { developmentCsp, productionCsp } from './csp';

const directives = (csp: string) =>
  Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

describe('content security policy', () => {
  it('starts from nothing and allows only the app’s own files', () => {
    expect(productionCsp.startsWith("default-src 'none'")).toBe(true);
    const d = directives(productionCsp);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['style-src']).toEqual(["'self'"]);
    expect(d['connect-src']).toEqual(["'none'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(d['form-action']).toEqual(["'none'"]);
    expect(productionCsp).not.toMatch(/unsafe-(inline|eval)|\*|http:|https:/);
  });

  it('loosens only what the dev server needs in development', () => {
    const dev = directives(developmentCsp('http://localhost:5173/'));
    expect(dev['default-src']).toEqual(["'none'"]);
    expect(dev['script-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(dev['connect-src']).toEqual(["'self'", 'ws://localhost:5173']);
    expect(dev['object-src']).toEqual(["'none'"]);
    expect(developmentCsp('http://localhost:5173/')).not.toContain('unsafe-eval');
  });
});
