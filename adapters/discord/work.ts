// Inbound work, one queue per channel: a message, its edit and its deletion reach the core in
// the order Discord sent them, while different threads proceed side by side. Tracks what is in
// flight so stop() and tests can wait for it.
export class SerialWork {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Runs `task` after everything queued earlier under `key` (undefined: right away). */
  run(key: string | undefined, task: () => Promise<void>): void {
    const before = key ? this.tails.get(key) : undefined;
    const next = (before ?? Promise.resolve()).then(task).catch(this.onError);
    this.running.add(next);
    if (key) this.tails.set(key, next);
    void next.finally(() => {
      this.running.delete(next);
      if (key && this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  /** Resolves when nothing is queued or running (bounded: work may queue more work). */
  async settled(): Promise<void> {
    for (let round = 0; round < 100 && this.running.size > 0; round += 1) {
      await Promise.allSettled([...this.running]);
    }
  }
}
