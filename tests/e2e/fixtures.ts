import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { type Page, test as base, expect } from '@playwright/test';

import { originOf } from '../../src/main/router/origin';
import { pinnedClock } from '../support/clock';
import { harnessPreload } from './global-setup';
import { type Harness, startHarness } from './harness';

export const screensDir = resolve(import.meta.dirname, '../../test-results/screens');
/** Receipt PDFs the e2e run produced, kept so anyone can read what a patient is handed. */
export const receiptsDir = resolve(import.meta.dirname, '../../test-results/receipts');

/** Runs axe-core on the page as it is now; fails on any serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length} element(s): ${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

type Options = {
  /** Pins main's clock (and the clinic's relay and devices) to this instant; null: the real clock. */
  clockAt: string | null;
};

type Fixtures = {
  app: Harness;
  /** Saves a full-page screenshot as test-results/screens/<name>.png. */
  shoot: (name: string) => Promise<void>;
  /** Runs axe-core on the page as it is now; fails on any serious or critical violation. */
  checkA11y: () => Promise<void>;
};

export const test = base.extend<Fixtures & Options>({
  clockAt: [null, { option: true }],
  app: async ({ clockAt }, use) => {
    const harness = await startHarness(clockAt ? { now: pinnedClock(clockAt) } : {});
    await use(harness);
    await harness.close();
  },
  page: async ({ page, app }, use) => {
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.exposeBinding('__clinicInvoke', (source, channel: unknown, request: unknown) =>
      app.router.dispatch(channel, request, { origin: originOf(source.frame.url()) }),
    );
    await page.addInitScript({ path: harnessPreload });
    app.deliver = (event, payload) => {
      void page.evaluate(([e, p]) => window.__clinicDeliver?.(e as string, p), [event, payload] as const).catch(() => {});
    };
    await use(page);
    app.deliver = null;
    // Every test ends on an accessible page with no script errors and no CSP violations.
    await expectAccessible(page);
    expect(consoleErrors).toEqual([]);
  },
  shoot: async ({ page }, use) => {
    mkdirSync(screensDir, { recursive: true });
    await use(async (name) => {
      await page.screenshot({ path: resolve(screensDir, `${name}.png`), fullPage: true });
    });
  },
  checkA11y: async ({ page }, use) => {
    await use(() => expectAccessible(page));
  },
});

export { expect };
