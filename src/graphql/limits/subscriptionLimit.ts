import { GraphQLError } from 'graphql';

/** A graphql-ws connection context: `subscriptions` holds the ids of its operations in flight. */
type Connection = { readonly subscriptions: Readonly<Record<string, unknown>> };

/**
 * Counts each WebSocket connection's active subscriptions and refuses one past `max`, so one
 * connection cannot hold an unbounded number of change-feed listeners. Nothing is kept once a
 * connection is gone.
 */
export class SubscriptionLimit {
  private readonly subscriptionIds = new WeakMap<Connection, Set<string>>();

  constructor(readonly max: number) {}

  /**
   * Counts subscription `id` on `connection`, or returns the error refusing it (BAD_REQUEST, with
   * the limit) and counts nothing. A subscription stops counting as soon as graphql-ws drops it
   * from `connection.subscriptions` (the client's complete message does so at once), and `end`
   * forgets it.
   */
  start(connection: Connection, id: string): GraphQLError | undefined {
    let ids = this.subscriptionIds.get(connection);
    if (!ids) this.subscriptionIds.set(connection, (ids = new Set()));
    for (const known of ids) if (!(known in connection.subscriptions)) ids.delete(known);
    if (ids.size >= this.max) {
      return new GraphQLError(
        `This connection has ${ids.size} active subscriptions, the limit; complete one before starting another`,
        { extensions: { code: 'BAD_REQUEST', limit: this.max } },
      );
    }
    ids.add(id);
    return undefined;
  }

  end(connection: Connection, id: string): void {
    this.subscriptionIds.get(connection)?.delete(id);
  }
}
