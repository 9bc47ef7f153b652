import { createServer } from "node:net";

/** `preferred` when nothing listens on it at 127.0.0.1, else a free port; 0 always picks a free one. */
export async function choosePort(preferred: number): Promise<number> {
  if (preferred !== 0 && (await tryListen(preferred)) !== undefined) return preferred;
  const free = await tryListen(0);
  if (free === undefined) throw new Error("no free TCP port on 127.0.0.1");
  return free;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const chosen = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() => resolve(chosen));
    });
  });
}
