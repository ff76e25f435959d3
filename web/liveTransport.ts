import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws/client';

const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
const SSE_URL = '/graphql/stream';

/** One result of a subscription, over either transport. */
export type SubscriptionResult<Result> = {
  data?: Result | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
};

/** What a subscription needs of the transport: each attempt iterates one operation's results. */
export type SubscriptionClient = {
  iterate<Result>(request: { query: string; variables?: Record<string, unknown> }): AsyncIterableIterator<SubscriptionResult<Result>>;
};

export type ConnectionListener = {
  connecting(reconnecting: boolean): void;
  connected(transport: 'WebSocket' | 'Server-Sent Events'): void;
  closed(): void;
};

/**
 * The page's live connection: graphql-ws, or GraphQL over Server-Sent Events when a WebSocket cannot
 * be opened here at all (a proxy that refuses upgrades closes it before the server ever answers). The
 * switch is for the rest of the session; subscriptions that were on the WebSocket fail, and
 * followSubscription subscribes them again, now over SSE, from the position each reached. A
 * WebSocket the server closed (signed out, too many connections) is no reason to switch.
 */
export class LiveTransport implements SubscriptionClient {
  private readonly ws: WsClient;
  private sse: SseClient<true> | undefined;
  private connectedOnce = false;

  constructor(
    private readonly authorization: string,
    private readonly listener: ConnectionListener,
  ) {
    this.ws = createWsClient({
      url: WS_URL,
      connectionParams: { authorization },
      // Every dropped connection ends the subscriptions here, and followSubscription resubscribes each
      // with the position it reached; graphql-ws's own retry would resend the first variables.
      retryAttempts: 0,
      on: {
        connecting: () => listener.connecting(this.connectedOnce),
        connected: () => {
          this.connectedOnce = true;
          listener.connected('WebSocket');
        },
        closed: (event) => {
          const code = (event as { code?: number } | undefined)?.code ?? 1006;
          // Below 4000: the socket itself failed, not the server's answer (4401, 4429, …).
          if (!this.connectedOnce && this.sse === undefined && code < 4000) this.useServerSentEvents();
          else listener.closed();
        },
      },
    });
  }

  iterate<Result>(request: { query: string; variables?: Record<string, unknown> }): AsyncIterableIterator<SubscriptionResult<Result>> {
    return (this.sse ?? this.ws).iterate(request) as AsyncIterableIterator<SubscriptionResult<Result>>;
  }

  dispose(): void {
    void this.ws.dispose();
    this.sse?.dispose();
  }

  private useServerSentEvents(): void {
    this.sse = createSseClient({
      url: SSE_URL,
      singleConnection: true,
      headers: { authorization: this.authorization },
      retryAttempts: 0,
      on: {
        connecting: (reconnecting) => this.listener.connecting(reconnecting),
        connected: () => this.listener.connected('Server-Sent Events'),
      },
    });
  }
}
