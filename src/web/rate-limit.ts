// Attempts per key in a sliding window, in memory per process: login guessing, code guessing,
// status-link and contact-form flooding. Several replicas each keep their own count, which
// multiplies the allowance by the replica count — still far below what guessing would need.
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while `key` is under its limit (does not count an attempt). */
  allowed(key: string): boolean {
    return this.recent(key).length < this.limit;
  }

  /** Counts an attempt; returns whether it was within the limit. */
  hit(key: string): boolean {
    const recent = this.recent(key);
    recent.push(this.now());
    this.hits.set(key, recent);
    this.sweep();
    return recent.length <= this.limit;
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.hits.get(key) ?? []).filter((t) => t > since);
  }

  /** Keeps memory bounded when many different keys (addresses) come by. */
  private sweep(): void {
    if (this.hits.size < 10_000) return;
    const since = this.now() - this.windowMs;
    for (const [key, times] of this.hits) if (!times.some((t) => t > since)) this.hits.delete(key);
  }
}
