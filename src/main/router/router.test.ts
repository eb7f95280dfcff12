import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { channelNames } from '../../shared/ipc/channel-names';
import { type ChannelSpec, contract } from '../../shared/ipc/contract';
import type { Caller } from '../../shared/roles';
import { createMemoryLogger } from '../log';
import { AppError } from './app-error';
import { type Handlers, createRouter } from './router';

const origin = 'app://renderer';
const appInfo = {
  name: 'Clinic Messenger',
  version: '1.2.3',
  host: 'electron' as const,
  packaged: true,
  build: { commit: 'abc', date: '2026-11-23' },
  runtime: { node: '22.0.0', electron: '45.0.0', chrome: '140', platform: 'linux', arch: 'x64' },
};

function setup(overrides: Partial<Handlers> = {}, caller: Caller = 'signed-out', spec?: Record<string, ChannelSpec>) {
  const log = createMemoryLogger();
  const unused = Object.fromEntries(
    channelNames.map((name) => [
      name,
      () => {
        throw new Error(`${name} is not used by this test`);
      },
    ]),
  ) as unknown as Handlers;
  const handlers: Handlers = {
    ...unused,
    'app:info': () => appInfo,
    'diagnostics:run': () => ({ ranAt: '2026-11-23T00:00:00.000Z', checks: [] }),
    'settings:get': () => ({ language: 'system', theme: 'system', deviceLabel: null }),
    'settings:update': (patch) => ({ language: 'system', theme: 'system', deviceLabel: null, ...patch }),
    ...overrides,
  };
  const router = createRouter({
    handlers,
    trustedOrigins: [origin],
    caller: () => caller,
    log,
    ...(spec ? { contract: spec as never } : {}),
  });
  return { router, log };
}

describe('router', () => {
  it('answers a valid call with the handler’s value', async () => {
    const { router } = setup();
    await expect(router.dispatch('app:info', {}, { origin })).resolves.toEqual({ ok: true, value: appInfo });
  });

  it('lists exactly the contract’s channels', () => {
    expect([...setup().router.channels].sort()).toEqual(Object.keys(contract).sort());
  });

  it.each([['fs:read'], [''], [42], [null], [{ toString: () => 'app:info' }], ['__proto__'], ['constructor']])(
    'refuses an unknown channel %j with a typed error',
    async (channel) => {
      const result = await setup().router.dispatch(channel, {}, { origin });
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    },
  );

  it.each(['https://evil.example', 'null', 'http://127.0.0.1:5173', 'app://other', 'file://'])(
    'refuses calls from the untrusted origin %s before reading the payload',
    async (from) => {
      let called = false;
      const { router } = setup({ 'settings:get': () => ((called = true), { language: 'en', theme: 'light', deviceLabel: null }) });
      const result = await router.dispatch('settings:get', {}, { origin: from });
      expect(result).toMatchObject({ ok: false, error: { code: 'sender-rejected' } });
      expect(called).toBe(false);
    },
  );

  it('refuses a caller whose role the channel does not allow', async () => {
    const spec = { ...contract, 'app:info': { ...contract['app:info'], roles: ['it-admin'] as const } };
    const { router, log } = setup({}, 'front-desk', spec);
    const result = await router.dispatch('app:info', {}, { origin });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(log.lines.at(-1)).toContain('"caller":"front-desk"');
  });

  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['an array', [1, 2]],
    ['a wrong type', { deviceLabel: 42 }],
    ['an unknown field', { theme: 'dark', isAdmin: true }],
    ['a bad enum', { theme: 'neon' }],
  ])('refuses %s as a settings update, naming the fields', async (_label, payload) => {
    const { router } = setup();
    const result = await router.dispatch('settings:update', payload, { origin });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('bad-request');
    expect(result.error.message).toMatch(/does not match/);
    expect(Object.keys(result.error.fields ?? {})).not.toHaveLength(0);
  });

  it('returns a handler’s AppError as it is', async () => {
    const { router } = setup({
      'settings:update': () => {
        throw new AppError('invalid-setting', 'No.', { deviceLabel: 'too-short' });
      },
    });
    await expect(router.dispatch('settings:update', { deviceLabel: 'ok name' }, { origin })).resolves.toEqual({
      ok: false,
      error: { code: 'invalid-setting', message: 'No.', fields: { deviceLabel: 'too-short' } },
    });
  });

  it('turns a crash into `internal` and logs neither the payload nor the error text', async () => {
    const secret = 'Patient Jane Roe, DOB 1970-01-01';
    const { router, log } = setup({
      'settings:update': () => {
        throw new Error(`failed for ${secret}`);
      },
    });
    const result = await router.dispatch('settings:update', { deviceLabel: 'Front desk' }, { origin });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(log.lines.join('\n')).not.toContain(secret);
    expect(log.lines.join('\n')).not.toContain('Front desk');
  });

  it('refuses to pass on a handler answer that breaks the response schema', async () => {
    const { router, log } = setup({ 'app:info': () => ({ ...appInfo, version: 7 }) as never });
    await expect(router.dispatch('app:info', {}, { origin })).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(log.lines.at(-1)).toContain('ipc.bad-response');
  });

  it('never passes on a field the contract does not name', async () => {
    const spec = { ...contract, 'app:info': { ...contract['app:info'], response: z.object({ version: z.string() }) } };
    const { router } = setup({ 'app:info': () => ({ ...appInfo, secret: 'x' }) as never }, 'signed-out', spec);
    await expect(router.dispatch('app:info', {}, { origin })).resolves.toEqual({ ok: true, value: { version: '1.2.3' } });
  });

  it('gives every channel at least one role and a `domain:verb` name', () => {
    for (const name of channelNames) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*:[a-z]+(-[a-z]+)*$/);
      expect(contract[name].roles.length).toBeGreaterThan(0);
    }
  });
});
