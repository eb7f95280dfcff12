import { describe, expect, it, vi } from 'vitest';

import { RelayError, createFrameClient } from './relay-client';

const timers = { set: (run: () => void, ms: number): unknown => setTimeout(run, ms), clear: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };

function client(onPush = vi.fn()) {
  const sent: { id: string; type: string }[] = [];
  const frames = createFrameClient({ send: (text) => sent.push(JSON.parse(text) as { id: string; type: string }), timeoutMs: 1000, timers, onPush });
  return { frames, sent, onPush };
}

describe('the shared frame client', () => {
  it('matches answers to requests, checks them against the request type, and routes pushes', async () => {
    const { frames, sent, onPush } = client();
    const ping = frames.request('ping', {});
    const info = frames.request('clinic.info', {});
    expect(sent.map((f) => f.type)).toEqual(['ping', 'clinic.info']);
    frames.receive(JSON.stringify({ v: 1, push: 'directory', body: { relaySeq: 0 } }));
    expect(onPush).toHaveBeenCalledWith('directory', 0);
    // Answers may come in any order; an unknown id and garbage are ignored.
    frames.receive(JSON.stringify({ v: 1, re: 'r99', ok: true, body: {} }));
    frames.receive('not json');
    frames.receive(JSON.stringify({ v: 1, re: sent[1]?.id, ok: true, body: { clinic: null } }));
    frames.receive(JSON.stringify({ v: 1, re: sent[0]?.id, ok: true, body: { type: 'pong', time: 5 } }));
    await expect(info).resolves.toEqual({ clinic: null });
    await expect(ping).resolves.toEqual({ type: 'pong', time: 5 });
  });

  it('turns refusals, answers of the wrong shape, silence and a closed socket into typed errors', async () => {
    vi.useFakeTimers();
    try {
      const { frames, sent } = client();
      const refused = frames.request('ping', {});
      const wrong = frames.request('ping', {});
      const silent = frames.request('ping', {});
      const cut = frames.request('ping', {});
      frames.receive(JSON.stringify({ v: 1, re: sent[0]?.id, ok: false, error: { code: 'rate-limited', message: 'Slow down.' } }));
      frames.receive(JSON.stringify({ v: 1, re: sent[1]?.id, ok: true, body: { type: 'pong' } }));
      await expect(refused).rejects.toMatchObject({ code: 'rate-limited', transient: true });
      await expect(wrong).rejects.toMatchObject({ code: 'bad-answer' });
      frames.failAll(new RelayError('closed', 'gone'));
      await expect(silent).rejects.toMatchObject({ code: 'closed' });
      await expect(cut).rejects.toMatchObject({ code: 'closed' });
      const late = frames.request('ping', {});
      vi.advanceTimersByTime(1001);
      await expect(late).rejects.toMatchObject({ code: 'timeout' });
      expect(new RelayError('no-consent', 'x').transient).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
