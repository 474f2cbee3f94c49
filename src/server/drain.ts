import type { Server } from "node:http";
import type { Socket } from "node:net";

/** How often idle keep-alive connections are closed while draining: one that just finished its last response. */
const IDLE_SWEEP_MS = 50;

export interface HttpDrain {
  /** Whether `drain` has begun: responses from then on close their connection. */
  readonly draining: boolean;
  /**
   * Stops accepting, lets requests in flight finish while `alongside` runs (closing WebSocket clients), and once
   * `gracePeriodMs` passed cuts every connection still open, upgraded ones included: that also ends the wait for a
   * WebSocket client that never answers the close handshake.
   */
  drain(gracePeriodMs: number, alongside: () => Promise<void>): Promise<void>;
}

/** Tracks `server`'s connections from now on, so that a drain can end them all. */
export function trackConnections(server: Server): HttpDrain {
  const sockets = new Set<Socket>();
  let draining = false;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    get draining() {
      return draining;
    },
    async drain(gracePeriodMs, alongside) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, gracePeriodMs);
      try {
        await Promise.all([closed, alongside()]);
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
    },
  };
}
