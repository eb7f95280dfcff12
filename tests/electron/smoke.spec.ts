import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { _electron as electron, expect, test } from '@playwright/test';

import { electronBinary, noElectronMessage } from './binary';

const root = resolve(import.meta.dirname, '../..');

const binary = electronBinary();

test.describe('the real Electron app', () => {
  test.skip(binary === null, noElectronMessage);

  test('starts, shows the first screen from app:// with the sandboxed preload API', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinic-electron-'));
    try {
      const app = await electron.launch({
        executablePath: binary ?? undefined,
        args: [join(root, 'out', 'main', 'index.js')],
        env: { ...process.env, CLINIC_MESSENGER_DATA_DIR: dataDir, ELECTRON_RENDERER_URL: '' },
      });
      const window = await app.firstWindow();
      expect(window.url()).toBe('app://renderer/index.html');
      await expect(window.getByRole('heading', { level: 1 })).toBeVisible();
      const surface = await window.evaluate(() => ({
        hasRequire: typeof (globalThis as { require?: unknown }).require !== 'undefined',
        hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
        domains: Object.keys((window as unknown as { clinic: object }).clinic).sort(),
      }));
      expect(surface).toEqual({ hasRequire: false, hasProcess: false, domains: ['app', 'diagnostics', 'profiles', 'session', 'settings', 'subscribe'] });
      await expect(window.locator('[data-check="shell-hardening"]')).toHaveClass(/check--pass/);
      await window.screenshot({ path: join(root, 'test-results', 'screens', 'electron-first-screen.png') });
      await app.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
