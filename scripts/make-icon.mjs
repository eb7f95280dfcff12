#!/usr/bin/env node
// Renders resources/icon.svg to resources/icon.png (512 px) with the e2e Chromium.
// Run after changing the SVG: node scripts/make-icon.mjs
import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from '@playwright/test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(join(root, 'resources', 'icon.svg'), 'utf8');
const systemChromium = '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath: existsSync(systemChromium) ? systemChromium : undefined,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="64" height="64"', 'width="512" height="512"')}</body></html>`);
await page.screenshot({ path: join(root, 'resources', 'icon.png'), omitBackground: true, clip: { x: 0, y: 0, width: 512, height: 512 } });
await browser.close();
console.log('Wrote resources/icon.png');
