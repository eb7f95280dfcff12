import { existsSync } from 'node:fs';

import { defineConfig } from '@playwright/test';

// Debian's Chromium where it is installed (CI and these machines); elsewhere Playwright's
// own browser (`npx playwright install chromium` on a machine with internet).
const systemChromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'tests',
  tsconfig: './tsconfig.playwright.json',
  outputDir: 'test-results/playwright',
  globalSetup: './tests/e2e/global-setup.ts',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    locale: 'en-CA',
    launchOptions: {
      executablePath: existsSync(systemChromium) ? systemChromium : undefined,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'renderer-in-chromium', testMatch: 'e2e/**/*.spec.ts' },
    { name: 'electron-smoke', testMatch: 'electron/**/*.spec.ts' },
  ],
});
