// `npm run bench:ui [-- --quick yes]` (built and run by scripts/bench-inbox-ui.mjs; not part of
// the test suite): the clinician's inbox in Chromium with 5,000 conversations and 100,000
// messages. The e2e harness's real main services and built renderer, over loopback; the
// harness's profile joins a clinic as a clinician, its clinic holds 5,000 consents and cards
// (published through the relay, fetched by the app's own sync) and its network store the
// messages. Measured in the page: unlock to the tabs, the Conversations tab to the first row
// painted, scrolling the whole list, opening the long thread until its last message shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import { type Locator, type Page, chromium } from '@playwright/test';

import { quantiles } from '../../tools/cli/bench-inbox';
import { planMessages, seedDirectory, seedMessages, seedPatients } from '../../tools/cli/seed-inbox';
import { relayWsUrl } from '../../src/main/network/relay-connection';
import { originOf } from '../../src/main/router/origin';
import { deskPassphrase, joinClinicAs } from '../e2e/clinic-setup';
import { harnessPreload } from '../e2e/global-setup';
import { type Harness, startHarness } from '../e2e/harness';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('quick') === 'yes';
const outDir = resolve(flag('out') ?? 'bench/results');
const patientsCount = quick ? 500 : 5000;
const messagesCount = quick ? 10_000 : 100_000;
const repeats = quick ? 3 : 7;

const round1 = (n: number): number => Math.round(n * 10) / 10;

async function call<T>(app: Harness, channel: string, payload: unknown = {}): Promise<T> {
  const result = await app.router.dispatch(channel, payload, { origin: app.origin });
  if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

/** In the page: long tasks and a "painted" probe (the frame after the element appeared in the DOM). */
const pageProbes = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); })
    .observe({ type: 'longtask', buffered: true });
  window.__marks = {};
  window.__armClick = (key) => {
    document.addEventListener('click', () => { window.__marks[key + ':click'] = performance.now(); }, { capture: true, once: true });
  };
  /** Resolves with [inDom, painted] times once test() holds, checked on every mutation and frame. */
  window.__until = (test) => new Promise((resolveWait) => {
    let done = false;
    const check = () => {
      if (done || !test()) return;
      done = true;
      observer.disconnect();
      const inDom = performance.now();
      requestAnimationFrame(() => setTimeout(() => resolveWait([inDom, performance.now()]), 0));
    };
    const observer = new MutationObserver(check);
    observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true });
    const frame = () => { if (!done) { check(); requestAnimationFrame(frame); } };
    requestAnimationFrame(frame);
    check();
  });
`;

type Win = Window & {
  __longTasks: { start: number; duration: number }[];
  __marks: Record<string, number>;
  __armClick: (key: string) => void;
  __until: (test: () => boolean) => Promise<[number, number]>;
};

/** Clicks `target` and waits, in the page, until `visibleSelector` is in view; times from the click event. */
async function clickUntil(page: Page, target: Locator, visibleSelector: string, key: string): Promise<{ inDomMs: number; paintedMs: number; longTasks: number; longTaskMs: number }> {
  await target.waitFor();
  await page.evaluate((k) => {
    (window as unknown as Win).__armClick(k);
  }, key);
  const waiting = page.evaluate(
    ([selector]) => {
      const w = window as unknown as Win;
      return w.__until(() => {
        const el = document.querySelector(selector);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        // Inside its scroll container's viewport, not merely in the DOM.
        let parent = el.parentElement;
        while (parent && getComputedStyle(parent).overflowY !== 'auto' && getComputedStyle(parent).overflowY !== 'scroll') parent = parent.parentElement;
        const box = parent ? parent.getBoundingClientRect() : { top: 0, bottom: innerHeight };
        return r.height > 0 && r.bottom > box.top && r.top < box.bottom;
      });
    },
    [visibleSelector] as const,
  );
  await target.click();
  const [inDom, painted] = await Promise.race([
    waiting,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${visibleSelector} not visible 60 s after clicking (${key})`)), 60_000).unref()),
  ]);
  return page.evaluate(
    ([k, d, p]) => {
      const w = window as unknown as Win;
      const clicked = w.__marks[`${k}:click`] ?? NaN;
      const tasks = w.__longTasks.filter((t) => t.start + t.duration >= clicked && t.start <= p);
      return { inDomMs: d - clicked, paintedMs: p - clicked, longTasks: tasks.length, longTaskMs: tasks.reduce((s, t) => s + t.duration, 0) };
    },
    [key, inDom, painted] as const,
  );
}

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
};

/** The functions with the most self time in a CDP CPU profile, in ms. */
function topSelfTime(profile: CpuProfile, count: number): { fn: string; selfMs: number }[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)?.callFrame;
    if (!frame) return;
    const file = frame.url.split('/').pop() ?? '';
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, ms]) => ({ fn, selfMs: round1(ms) }));
}

/** Scrolls the list one viewport per frame to the end; frame intervals and long tasks on the way. */
async function scrollToEnd(page: Page, selector: string) {
  return page.evaluate(async (sel) => {
    const w = window as unknown as Win;
    const el = document.querySelector(sel) as HTMLElement;
    const frames: number[] = [];
    const started = performance.now();
    let last = started;
    let rowsMax = 0;
    await new Promise<void>((done) => {
      const step = (t: number) => {
        frames.push(t - last);
        last = t;
        rowsMax = Math.max(rowsMax, el.querySelectorAll('[role="option"]').length);
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return done();
        el.scrollTop += el.clientHeight;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    const ended = performance.now();
    const lastRow = await w.__until(() => {
      const options = el.querySelectorAll('[role="option"]');
      const final = options[options.length - 1];
      return final !== undefined && Number(final.getAttribute('aria-posinset')) === Number(final.getAttribute('aria-setsize'));
    });
    const tasks = w.__longTasks.filter((t) => t.start + t.duration >= started && t.start <= ended);
    return { frames: frames.slice(1), ms: ended - started, lastRowPaintedMs: lastRow[1] - started, scrollHeight: el.scrollHeight, rowsInDomMax: rowsMax, longTasks: tasks.length, longTaskMs: tasks.reduce((s, t) => s + t.duration, 0), longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)) };
  }, selector);
}

async function main(): Promise<void> {
  const totalStarted = performance.now();
  const app = await startHarness();
  const setup = await joinClinicAs(app, { role: 'clinician', name: 'Dr Sam Rivera' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // 1. Seed, with the harness's profile locked (its client offline) while the registrar publishes.
    const status = await call<{ state: string; profile?: { id: string } }>(app, 'session:status');
    const ownId = status.profile?.id;
    if (!ownId) throw new Error('the harness profile is not unlocked after joining');
    await call(app, 'session:lock');
    console.log(`inbox-ui: seeding ${patientsCount} patients, ${messagesCount} messages`);
    const patients = seedPatients(patientsCount);
    const registrar = setup.admin.clinic.client();
    await setup.clinician.client.disconnect();
    const directorySeed = await seedDirectory(registrar, relayWsUrl(setup.relayUrl), patients);
    await registrar.disconnect();

    await call(app, 'profiles:unlock', { profileId: ownId, passphrase: deskPassphrase });
    const client = app.clinic.client();
    const syncStarted = performance.now();
    await client.sync();
    const cardsSyncMs = performance.now() - syncStarted;
    const plan = planMessages(patientsCount, messagesCount);
    const seeded = seedMessages(client, patients, plan, Date.now());
    const cardsHeld = client.patientCards().size;
    await call(app, 'session:lock');
    const seedS = round1((performance.now() - totalStarted) / 1000);
    console.log(`  seeded in ${seedS} s; ${cardsHeld} cards on the clinician's device`);

    // 2. The page: the real renderer, window.clinic bridged to main's router as in the e2e fixtures.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.exposeBinding('__clinicInvoke', (source, channel: unknown, request: unknown) => app.router.dispatch(channel, request, { origin: originOf(source.frame.url()) }));
    await page.addInitScript({ path: harnessPreload });
    await page.addInitScript({ content: pageProbes });
    app.deliver = (event, payload) => {
      void page.evaluate(([e, p]) => window.__clinicDeliver?.(e as string, p), [event, payload] as const).catch(() => {});
    };
    await page.goto(app.url);
    await page.getByLabel('Passphrase', { exact: true }).fill(deskPassphrase);
    // A clinician lands on Conversations: from the Unlock click to the first row painted (Argon2id unlock included).
    const rowSelector = '[role="listbox"] [role="option"]';
    const firstRow = await clickUntil(page, page.getByRole('button', { name: 'Unlock', exact: true }), rowSelector, 'unlock');
    const tab = page.getByRole('tab', { name: 'Conversations' });

    // Warm: leave the tab and come back (the screen mounts again and asks main for the list).
    const otherTab = page.locator('[role="tab"]').filter({ hasNotText: 'Conversations' }).first();
    const warmTab: number[] = [];
    const warmTabDom: number[] = [];
    for (let i = 1; i <= repeats; i++) {
      await otherTab.click();
      await page.waitForSelector(rowSelector, { state: 'detached' });
      const r = await clickUntil(page, tab, rowSelector, `tab-${i}`);
      warmTab.push(r.paintedMs);
      warmTabDom.push(r.inDomMs);
    }
    // The same once more under the CPU profiler (not timed): where the time goes.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    const profiled = async (work: () => Promise<unknown>) => {
      await cdp.send('Profiler.start');
      await work();
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
      return topSelfTime(profile, 12);
    };
    await otherTab.click();
    await page.waitForSelector(rowSelector, { state: 'detached' });
    const tabProfile = await profiled(() => clickUntil(page, tab, rowSelector, 'tab-profiled'));
    // The same calls made from main's side of the bridge (router: request check, service, answer check), for comparison.
    const routerMs = async (channel: string, payload: unknown) => {
      const samples: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        await call(app, channel, payload);
        samples.push(performance.now() - started);
      }
      return quantiles(samples, 1);
    };
    const mainSide = {
      inboxList: await routerMs('inbox:list', { query: '', filter: 'all' }),
      clinicStatus: await routerMs('clinic:status', {}),
      inboxThreadLong: await routerMs('inbox:thread', { patientId: patients[plan.longest]?.patientId ?? '' }),
    };
    const rowsShown = await page.locator('[role="listbox"]').first().evaluate((el) => Number(el.querySelector('[role="option"]')?.getAttribute('aria-setsize') ?? 0));

    // 3. Scroll the whole list to the end, then back to the top.
    const listSelector = '[role="listbox"]';
    const scroll = await scrollToEnd(page, listSelector);
    const frameStats = quantiles(scroll.frames, 1);
    await page.locator(listSelector).evaluate((el) => (el.scrollTop = 0));

    // 4. Open the long thread (its row brought into view first), then a short one, alternately.
    const longId = patients[plan.longest]?.patientId ?? '';
    const shortId = patients[plan.short]?.patientId ?? '';
    const lastIdOf = (p: number) => `m-${p.toString(36)}-${((plan.counts[p] ?? 1) - 1).toString(36)}`;
    const rowHeight = await page.locator(rowSelector).first().evaluate((el) => el.getBoundingClientRect().height);
    // The list takes the focus first, as after any earlier click in it: the very first mouse press on a row
    // focuses the listbox, whose focus handler scrolls to the first row before the click lands (see the note).
    await page.locator(listSelector).focus();
    const reveal = async (patientId: string) => {
      const rows = (await call<{ rows: { patientId: string }[] }>(app, 'inbox:list', { query: '', filter: 'all' })).rows;
      const hint = Math.max(0, rows.findIndex((r) => r.patientId === patientId) * rowHeight - 100);
      // Not timed: scroll to where main says the row is; if the page's list is ordered otherwise, walk it.
      const found = await page.locator(listSelector).evaluate(
        async (el, [id, top]) => {
          const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const find = () => el.querySelector(`[role="option"][data-patient-id="${id}"]`);
          el.scrollTop = top;
          await frame();
          if (find()) return true;
          el.scrollTop = 0;
          await frame();
          while (!find() && el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
            el.scrollTop += el.clientHeight / 2;
            await frame();
          }
          find()?.scrollIntoView({ block: 'center' });
          return find() !== null;
        },
        [patientId, hint] as const,
      );
      if (!found) throw new Error(`${patientId} is not in the page's list`);
      await page.waitForSelector(`[role="option"][data-patient-id="${patientId}"]`);
    };
    const openThread = async (patientId: string, p: number, key: string) => {
      await reveal(patientId);
      return clickUntil(page, page.locator(`[role="option"][data-patient-id="${patientId}"]`), `li[data-message-id="${lastIdOf(p)}"]`, key);
    };
    const longOpens: Awaited<ReturnType<typeof openThread>>[] = [];
    const shortOpens: Awaited<ReturnType<typeof openThread>>[] = [];
    let threadItems = 0;
    for (let i = 0; i <= repeats; i++) {
      longOpens.push(await openThread(longId, plan.longest, `long-${i}`));
      threadItems = await page.locator('li[data-message-id]').count();
      shortOpens.push(await openThread(shortId, plan.short, `short-${i}`));
    }

    // 5. Where the scrolling time goes: the same scroll again under the CPU profiler (not timed), top self time.
    await page.locator(listSelector).evaluate((el) => (el.scrollTop = 0));
    const scrollProfile = await profiled(() => scrollToEnd(page, listSelector));
    const coldWarm = (samples: readonly { paintedMs: number; inDomMs: number; longTasks: number; longTaskMs: number }[]) => ({
      coldMs: round1(samples[0]?.paintedMs ?? NaN),
      coldLongTasks: samples[0]?.longTasks ?? 0,
      warmMs: quantiles(samples.slice(1).map((s) => s.paintedMs), 1),
      warmInDomMs: quantiles(samples.slice(1).map((s) => s.inDomMs), 1),
      warmLongTaskMs: quantiles(samples.slice(1).map((s) => s.longTaskMs), 1),
    });

    const result = {
      name: 'inbox-ui',
      measuredAt: new Date().toISOString(),
      machine: { node: process.versions.node, chromium: browser.version(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), platform: process.platform },
      quick,
      parameters: {
        patients: patientsCount,
        messages: seeded.messages,
        longestThread: plan.counts[plan.longest],
        shortThread: plan.counts[plan.short],
        needsAnswer: seeded.needsAnswer,
        cardsHeld,
        listRows: rowsShown,
        viewport: '1400x900',
        warmRepeats: repeats,
      },
      seed: { totalS: seedS, consentsThroughRelayS: round1(directorySeed.consentsMs / 1000), cardsThroughRelayS: round1(directorySeed.cardsMs / 1000), clinicianCardsSyncS: round1(cardsSyncMs / 1000), messagesIntoStoreS: round1(seeded.ms / 1000) },
      firstRow: {
        coldFromUnlockClickMs: round1(firstRow.paintedMs),
        coldFromUnlockClickInDomMs: round1(firstRow.inDomMs),
        coldLongTasks: firstRow.longTasks,
        coldLongTaskMs: round1(firstRow.longTaskMs),
        warmFromTabClickMs: quantiles(warmTab, 1),
        warmFromTabClickInDomMs: quantiles(warmTabDom, 1),
        profiledTabReturnTopSelfTime: tabProfile,
        routerCallsFromNodeMs: mainSide,
      },
      scrollListToEnd: {
        ms: round1(scroll.ms),
        frames: frameStats.runs,
        frameMs: frameStats,
        lastRowPaintedMs: round1(scroll.lastRowPaintedMs),
        scrollHeightPx: scroll.scrollHeight,
        rowsInDomMax: scroll.rowsInDomMax,
        longTasks: scroll.longTasks,
        longTaskMs: round1(scroll.longTaskMs),
        longestTaskMs: round1(scroll.longestTaskMs),
        profiledPassTopSelfTime: scrollProfile,
      },
      openLongThreadUntilLastMessage: { messages: plan.counts[plan.longest], ...coldWarm(longOpens), messagesInDomAfter: threadItems },
      openShortThreadUntilLastMessage: { messages: plan.counts[plan.short], ...coldWarm(shortOpens) },
      pageErrors: errors.slice(0, 10),
      note: [
        'Chromium (headless, --disable-gpu) with the built renderer (out/renderer, electron-vite build) served by the app protocol handler over loopback, window.clinic bridged to the real main services (tests/e2e harness); main runs in this Node process, so IPC is a Playwright binding (serialisation cost similar, not Electron IPC).',
        'Times are measured in the page with performance.now(): from the click event to the element in the DOM and in view (inDom) and to the next frame after it (painted: requestAnimationFrame + setTimeout 0). Cold = from the Unlock click (passphrase filled; Argon2id, profile open, clinic client start included) to the first conversation row, as a clinician lands on Conversations; warm = leaving the tab and coming back (the screen mounts again and lists from main), threads opened alternately long/short.',
        'Seeding as in inbox.json: consents and cards published through the relay by the clinic’s IT admin (signed/sealed like ClinicClient), fetched by the app’s own clinic client sync; messages written straight into the app profile’s network store (harness.clinic.client().local) with addMessage.',
        'Scroll: the list element scrolled one viewport per animation frame to the end; frameMs are the intervals between frames, long tasks from PerformanceObserver("longtask"). The profiled* lists come from a second, untimed pass under the CDP CPU profiler.',
        'Threads: the list is focused before the first row click, because the very first mouse press on a row (list never focused) focuses the listbox, whose onListFocus scrolls to the first row before the click lands, so nothing opens. routerCallsFromNodeMs: the same channels called on main’s router from Node, without the page: clinic:status refetches and re-verifies the whole directory (verifiedDirectory(true)) on every call, and the inbox screen asks for it each time it mounts.',
      ].join(' '),
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'inbox-ui.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`inbox-ui: ${JSON.stringify(result)}`);
    app.deliver = null;
    await context.close();
  } catch (error) {
    // What the page showed, to see why.
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        await page.screenshot({ path: resolve('test-results/bench-inbox-ui-failure.png') }).catch(() => undefined);
        console.error(`page text: ${(await page.locator('body').innerText().catch(() => '')).slice(0, 600)}`);
        console.error(await page.evaluate(() => [...document.querySelectorAll('[role="option"]')].slice(0, 4).map((e) => `${e.getAttribute('data-patient-id')} ${e.className}`).join('\n')));
        console.error(await page.evaluate(() => document.querySelector('.inbox__thread-pane')?.innerHTML.slice(0, 1500)));
      }
    }
    throw error;
  } finally {
    await browser.close();
    await setup.close();
    await app.close();
  }
}

await main();
