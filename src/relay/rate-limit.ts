// A token bucket per key (the remote address). Memory stays bounded: when more than
// `maxKeys` buckets are held, full ones are dropped first, then the oldest.

export type RateLimitOptions = {
  /** Burst size: how many takes a fresh key may make at once. */
  readonly capacity: number;
  /** Tokens added back per second. */
  readonly refillPerSecond: number;
  readonly maxKeys?: number;
  readonly now?: () => number;
};
export type RateLimiter = {
  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean;
  /** Seconds until `key` has a token again (0 when it has one now). */
  retryAfterSeconds(key: string): number;
  readonly size: number;
};

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { capacity, refillPerSecond, maxKeys = 10_000, now = () => Date.now() } = options;
  if (!(capacity >= 1) || !(refillPerSecond > 0)) throw new RangeError('rate limit needs capacity >= 1 and refillPerSecond > 0');
  const buckets = new Map<string, { tokens: number; at: number }>();

  const level = (key: string, t: number): number => {
    const b = buckets.get(key);
    return b === undefined ? capacity : Math.min(capacity, b.tokens + ((t - b.at) / 1000) * refillPerSecond);
  };
  const prune = (t: number): void => {
    if (buckets.size <= maxKeys) return;
    for (const key of buckets.keys()) if (level(key, t) >= capacity) buckets.delete(key);
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys) break;
      buckets.delete(key);
    }
  };
  return {
    take(key) {
      const t = now();
      const tokens = level(key, t);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t });
        return false;
      }
      buckets.delete(key);
      buckets.set(key, { tokens: tokens - 1, at: t });
      prune(t);
      return true;
    },
    retryAfterSeconds(key) {
      const tokens = level(key, now());
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / refillPerSecond);
    },
    get size() {
      return buckets.size;
    },
  };
}
