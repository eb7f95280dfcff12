// Build step of the patient portal (vite.portal.config.ts), ADR 16:
// - every `<script src>` and `<link href>` of index.html that points at a built file gets a
//   Subresource Integrity attribute, so a browser runs only the bytes built here;
// - `portal-files.json` lists every built file with its SHA-256, for the IT admin's
//   computer to fetch, hash again itself and vouch for.
// Hashing goes through libsodium, as all the project's cryptography does.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { type Plugin } from 'vite';

import { PORTAL_FILES_PATH, type PortalFileList, portalFileHash, portalFileListSchema, subresourceIntegrity } from '../../src/shared/protocol/portal-files';
import { type SodiumApi } from '../../src/shared/protocol/sodium-api';

/** Tags that load a file: `<script … src="/x">` and `<link … href="/x">`. */
const LOADING_TAG = /<(script|link)\b([^>]*?)\b(src|href)="(\/[^"#?]+)"([^>]*)>/g;

/**
 * Adds `integrity` to each tag of `html` that loads a file `lookup` knows (by its path
 * without the leading slash). Tags that already carry one are left as they are. A tag for a
 * built script or stylesheet that `lookup` does not know is an error: nothing loads unchecked.
 */
export function addIntegrity(api: SodiumApi, html: string, lookup: (file: string) => Uint8Array | undefined): string {
  return html.replace(LOADING_TAG, (tag: string, name: string, before: string, attribute: string, path: string, after: string) => {
    if (/\bintegrity=/.test(tag)) return tag;
    const loadsCode = name === 'script' || /\brel="(stylesheet|modulepreload)"/.test(tag);
    const bytes = lookup(path.slice(1));
    if (!bytes) {
      if (loadsCode) throw new Error(`portal-integrity: ${path} is loaded by index.html but is not part of the build.`);
      return tag;
    }
    if (!loadsCode) return tag;
    return `<${name}${before}${attribute}="${path}" integrity="${subresourceIntegrity(api, bytes)}"${after}>`;
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The list of every file in `outDir` (but the list itself), sorted by path. */
export function listPortalFiles(api: SodiumApi, outDir: string): PortalFileList {
  const files = filesUnder(outDir)
    .map((full) => ({ full, path: `/${relative(outDir, full).split(sep).join('/')}` }))
    .filter((f) => f.path !== PORTAL_FILES_PATH)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(({ full, path }) => {
      const bytes = readFileSync(full);
      return { path, sha256: portalFileHash(api, bytes), bytes: bytes.length };
    });
  return portalFileListSchema.parse({ v: 1, files });
}

/**
 * The Vite plugin. It works on the written files, once every other plugin is done with
 * them (Vite still rewrites chunks after `generateBundle`), so each hash is of the bytes served.
 */
export function portalIntegrity(): Plugin {
  let outDir = '';
  return {
    name: 'clinic-messenger:portal-integrity',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      await sodium.ready;
      writePortalIntegrity(sodium, outDir);
    },
  };
}

/** Adds the integrity attributes to `outDir/index.html`, then writes `portal-files.json`. */
export function writePortalIntegrity(api: SodiumApi, outDir: string): PortalFileList {
  const indexFile = join(outDir, 'index.html');
  const lookup = (file: string): Uint8Array | undefined => {
    const full = join(outDir, file);
    if (relative(outDir, full).startsWith('..')) return undefined;
    try {
      return readFileSync(full);
    } catch {
      return undefined;
    }
  };
  writeFileSync(indexFile, addIntegrity(api, readFileSync(indexFile, 'utf8'), lookup));
  const list = listPortalFiles(api, outDir);
  writeFileSync(join(outDir, PORTAL_FILES_PATH.slice(1)), `${JSON.stringify(list, null, 2)}\n`);
  return list;
}
