/**
 * Resolves after one turn of the event loop: I/O callbacks (a database's replies) run before a
 * setImmediate callback. Long synchronous work awaits it now and then so a write in flight goes on.
 */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
