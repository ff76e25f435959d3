import type { GraphQLFormattedError } from 'graphql';
import { afterAll } from 'vitest';
import WebSocket from 'ws';

/** A graphql-transport-ws message for one operation: `next`, `error` or `complete`. */
export type OperationMessage =
  | { type: 'next'; id: string; payload: { data?: unknown; errors?: GraphQLFormattedError[] } }
  | { type: 'error'; id: string; payload: GraphQLFormattedError[] }
  | { type: 'complete'; id: string };

const openSockets = new Set<RawGraphQLSocket>();

/**
 * A graphql-transport-ws connection driven by hand, for what a well-behaved client (graphql-ws's
 * createClient) never sends: raw JSON (`1e309`, `-0`), oversized frames, many subscriptions at once.
 * Closed after the test file if the test did not close it.
 */
export class RawGraphQLSocket {
  private readonly messages: OperationMessage[] = [];
  private readonly waiters = new Set<() => void>();
  /** Resolves with the close code and reason once the socket closes, whoever closes it. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        openSockets.delete(this);
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as OperationMessage | { type: string };
      if ('id' in message) this.messages.push(message);
      this.wake();
    });
  }

  /** Connects and, unless `connectionParams` is null, sends connection_init and waits for the ack. */
  static async open(wsUrl: string, connectionParams: Record<string, unknown> | null): Promise<RawGraphQLSocket> {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const raw = new RawGraphQLSocket(socket);
    openSockets.add(raw);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    if (connectionParams === null) return raw;
    const acknowledged = new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        if ((JSON.parse(data.toString()) as { type: string }).type !== 'connection_ack') return;
        socket.off('message', onMessage);
        resolve();
      };
      socket.on('message', onMessage);
      void raw.closed.then(({ code, reason }) => reject(new Error(`Closed before connection_ack: ${code} ${reason}`)));
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams }));
    await acknowledged;
    return raw;
  }

  /** Sends a subscribe message whose payload is `payloadJson`, verbatim. */
  subscribe(id: string, payloadJson: string): void {
    this.sendText(`{"id":${JSON.stringify(id)},"type":"subscribe","payload":${payloadJson}}`);
  }

  complete(id: string): void {
    this.sendText(JSON.stringify({ id, type: 'complete' }));
  }

  sendText(text: string): void {
    this.socket.send(text);
  }

  /** The next message for operation `id`, or undefined when the socket closes first. */
  async next(id: string): Promise<OperationMessage | undefined> {
    for (;;) {
      const index = this.messages.findIndex((message) => message.id === id);
      if (index >= 0) return this.messages.splice(index, 1)[0];
      if (this.socket.readyState === WebSocket.CLOSED) return undefined;
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  close(): void {
    this.socket.close(1000);
  }

  /** Stops reading from the network, like a client that hangs: the server's sends back up. */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }
}

afterAll(() => {
  for (const socket of openSockets) socket.close();
  openSockets.clear();
});
