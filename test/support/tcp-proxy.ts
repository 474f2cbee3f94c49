import { connect, createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";

/**
 * A loopback TCP proxy in front of a server, whose link a test can break: `drop` closes every connection (as a
 * network blip or the server's own timeout would), `freeze` stops bytes flowing both ways while every connection
 * stays open, as on a stalled or partitioned link (nothing tells either end that something is wrong), until `thaw`.
 */
export interface TcpProxy {
  /** Where clients connect, `host:port`. */
  readonly address: string;
  /** Closes every connection open now; new ones are accepted. Returns how many it closed. */
  drop(): number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<{ sockets: [Socket, Socket]; held: [Buffer[], Buffer[]] }>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const link = { sockets: [client, upstream] as [Socket, Socket], held: [[], []] as [Buffer[], Buffer[]] };
    links.add(link);
    // Each direction forwards at once, or holds what arrives while frozen: the ends see silence, not an error.
    link.sockets.forEach((from, direction) => {
      const to = link.sockets[1 - direction] as Socket;
      from.on("data", (chunk: Buffer) => (frozen ? link.held[direction]?.push(chunk) : to.write(chunk)));
      from.on("error", () => from.destroy());
      from.on("close", () => {
        to.destroy();
        links.delete(link);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    drop() {
      const open = [...links];
      for (const { sockets } of open) for (const socket of sockets) socket.destroy();
      return open.length;
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const { sockets, held } of links) {
        held.forEach((chunks, direction) => {
          for (const chunk of chunks.splice(0)) sockets[1 - direction]?.write(chunk);
        });
      }
    },
    async close() {
      for (const { sockets } of links) for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
