import type { z } from 'zod';

import { type ChannelName, channelNames } from '../../shared/ipc/channel-names';
import { type ChannelSpec, type Contract, contract as defaultContract } from '../../shared/ipc/contract';
import { type IpcResult, fail, ok } from '../../shared/ipc/errors';
import type { Caller } from '../../shared/roles';
import type { Logger } from '../log';
import { AppError } from './app-error';

export type CallContext = {
  /** Origin of the frame that sent the call, e.g. `app://renderer`. */
  readonly origin: string;
};

export type Handlers = {
  readonly [C in ChannelName]: (
    request: z.output<Contract[C]['request']>,
    context: CallContext,
  ) => Promise<z.input<Contract[C]['response']>> | z.input<Contract[C]['response']>;
};

export type RouterOptions = {
  readonly handlers: Handlers;
  /** Origins whose frames may call main at all. */
  readonly trustedOrigins: readonly string[];
  /** The role of the profile unlocked right now, or `signed-out`. */
  readonly caller: () => Caller;
  readonly log: Logger;
  readonly contract?: Readonly<Record<ChannelName, ChannelSpec>>;
};

export type Router = {
  readonly channels: readonly ChannelName[];
  dispatch(channel: unknown, payload: unknown, context: CallContext): Promise<IpcResult<unknown>>;
};

const isChannelName = (value: unknown): value is ChannelName =>
  typeof value === 'string' && (channelNames as readonly string[]).includes(value);

/** Turns zod issues into `{ "field.path": "message" }`; the messages are codes where a schema gave one. */
export function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || '(request)';
    fields[path] ??= issue.message;
  }
  return fields;
}

/**
 * Main's only entry point for renderer calls. Every call is checked in this order: known
 * channel, trusted origin, allowed role, valid request; the handler's answer is checked
 * against the response schema too, so main never leaks a field the contract does not name.
 * Whatever happens, the caller gets an `IpcResult`, never an exception.
 */
export function createRouter(options: RouterOptions): Router {
  const spec = options.contract ?? defaultContract;
  const { log } = options;

  async function dispatch(channel: unknown, payload: unknown, context: CallContext): Promise<IpcResult<unknown>> {
    if (!isChannelName(channel)) {
      log.warn('ipc.unknown-channel', { channel: typeof channel === 'string' ? channel : typeof channel });
      return fail('unknown-channel', 'This action is not part of the app’s contract.');
    }
    if (!options.trustedOrigins.includes(context.origin)) {
      log.warn('ipc.sender-rejected', { channel, origin: context.origin });
      return fail('sender-rejected', 'The request came from a page the app does not trust.');
    }
    const { request, response, roles } = spec[channel];
    const caller = options.caller();
    if (!roles.includes(caller)) {
      log.warn('ipc.forbidden', { channel, caller });
      return fail('forbidden', 'Your role does not allow this action.');
    }
    const parsed = request.safeParse(payload);
    if (!parsed.success) {
      log.warn('ipc.bad-request', { channel, issues: parsed.error.issues.length });
      return fail('bad-request', 'The request does not match what this action expects.', fieldsOf(parsed.error));
    }
    const started = performance.now();
    try {
      const handler = options.handlers[channel] as (req: unknown, ctx: CallContext) => unknown;
      const result = response.safeParse(await handler(parsed.data, context));
      if (!result.success) {
        log.error('ipc.bad-response', { channel, issues: result.error.issues.length });
        return fail('internal', 'The app produced an answer it could not check.');
      }
      log.info('ipc.ok', { channel, ms: Math.round(performance.now() - started) });
      return ok(result.data);
    } catch (error) {
      if (error instanceof AppError) {
        log.warn('ipc.failed', { channel, code: error.code });
        return fail(error.code, error.message, error.fields, error.retryAfterSeconds, error.reason);
      }
      // The error's own text may hold anything (a path, a value): log only its kind.
      log.error('ipc.crashed', { channel, kind: error instanceof Error ? error.name : typeof error });
      return fail('internal', 'Something went wrong inside the app. Nothing was lost.');
    }
  }

  return { channels: channelNames, dispatch };
}
