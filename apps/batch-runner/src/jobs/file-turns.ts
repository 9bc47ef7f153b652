/**
 * One file import at a time in the process, whatever the number of jobs. Jobs on the same schedule
 * tick together; each import holds its own buffers, part in memory and (on PostgreSQL) fold worker,
 * so imports side by side would add up their memory while sharing the same cores and database.
 * Turns are given in the order they were asked for.
 */
export class FileTurns {
  #busy = false;
  readonly #waiting: Array<() => void> = [];

  /** Whether another import holds the turn now (a caller that would wait can say so first). */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Waits for the turn; resolves with the function that gives it back, or undefined if the signal
   * aborted first (the caller then stops without having held it).
   */
  async take(signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return undefined;
    if (this.#busy) {
      const granted = await new Promise<boolean>((resolve) => {
        const grant = () => {
          signal?.removeEventListener("abort", cancel);
          resolve(true);
        };
        const cancel = () => {
          const at = this.#waiting.indexOf(grant);
          if (at >= 0) this.#waiting.splice(at, 1);
          resolve(false);
        };
        this.#waiting.push(grant);
        signal?.addEventListener("abort", cancel, { once: true });
      });
      if (!granted) return undefined;
    }
    this.#busy = true;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.#waiting.shift();
      // The turn passes straight to the next waiter: nobody can slip in between.
      if (next === undefined) this.#busy = false;
      else next();
    };
  }
}
