// V8 forgets a hidden class once no live object has it, and with it throws away the optimised code
// built on that class. The draft and the event context live for one batch or one event, so every
// full GC between two batches sent the whole fold back to the interpreter (measured: the first
// tenth of the next bench round ran at half speed, ~10% of the round). Keeping one instance of each
// for the life of the module keeps their classes, and the code, warm.

const kept: object[] = [];

/** Keeps `value` alive for the life of the module, so its hidden class stays known to V8. */
export function keepShape(value: object): void {
  kept.push(value);
}
