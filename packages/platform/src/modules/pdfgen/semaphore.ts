/**
 * At most `size` callers run at once; the rest wait in arrival order. Hand-written (a dozen lines)
 * rather than a dependency: p-limit and friends add nothing here but a package.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Jobs running or waiting. */
  get busy(): number {
    return this.running + this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
