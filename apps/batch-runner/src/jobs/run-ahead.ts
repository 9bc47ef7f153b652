/**
 * Pulls `source` ahead of its consumer: while the consumer works on one item, the next ones are
 * prepared, up to `depth` waiting (and, when given, while `roomFor()` says so). Items come out in
 * order. A failure of `source` comes out after the items prepared before it.
 */
export class RunAhead<T> {
  readonly #source: AsyncIterator<T>;
  readonly #depth: number;
  readonly #roomFor: () => boolean;
  readonly #ready: T[] = [];
  #failure: { error: unknown } | undefined;
  #done = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #changed: (() => void) | undefined;
  readonly #pump: Promise<void>;

  constructor(source: AsyncIterator<T>, depth: number, roomFor: () => boolean = () => true) {
    this.#source = source;
    this.#depth = Math.max(1, depth);
    this.#roomFor = roomFor;
    this.#pump = this.#run();
  }

  /** The next item, or undefined when the source is done. */
  async next(): Promise<T | undefined> {
    for (;;) {
      const item = this.#ready.shift();
      if (item !== undefined) {
        this.#wake?.();
        return item;
      }
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#done) return undefined;
      await new Promise<void>((resolve) => {
        this.#changed = resolve;
      });
    }
  }

  /** Stops preparing; waits for the item being prepared, then closes the source. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#pump;
    await this.#source.return?.(undefined);
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#ready.length >= this.#depth || (this.#ready.length > 0 && !this.#roomFor())) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          this.#wake = undefined;
          continue;
        }
        const step = await this.#source.next();
        if (step.done === true) break;
        this.#ready.push(step.value);
        this.#changed?.();
      }
    } catch (error) {
      this.#failure = { error };
    } finally {
      this.#done = true;
      this.#changed?.();
    }
  }
}
