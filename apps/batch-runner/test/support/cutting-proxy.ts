import net from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort` that breaks its first connection once that
 * connection has carried `cutAfterBytes` from the server: a download broken mid-transfer.
 */
export interface CuttingProxy {
  port: number;
  /** Server→client bytes carried by each connection, in order. */
  bytesPerConnection: number[];
  close(): Promise<void>;
}

export function startCuttingProxy(targetPort: number, cutAfterBytes: number): Promise<CuttingProxy> {
  const bytesPerConnection: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = bytesPerConnection.push(0) - 1;
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.on("data", (data: Buffer) => {
      bytesPerConnection[index] = (bytesPerConnection[index] ?? 0) + data.length;
      if (index === 0 && (bytesPerConnection[index] ?? 0) >= cutAfterBytes) {
        drop();
        return;
      }
      client.write(data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        port,
        bytesPerConnection,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
