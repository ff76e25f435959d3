import { GraphQLError } from 'graphql';

/** A graphql-ws connection context: `subscriptions` holds the ids of its operations in flight. */
type Connection = { readonly subscriptions: Readonly<Record<string, unknown>> };

/** Which limit refused a subscription. */
export type SubscriptionLimitName = 'subscriptions_per_connection' | 'subscriptions_per_user';

/**
 * Counts each WebSocket connection's active subscriptions, and each user's over all its connections,
 * and refuses one past `max` (per connection) or `maxPerUser` (per user, a token's subject), so
 * neither one connection nor one user with many connections can hold an unbounded number of
 * change-feed listeners and replays. Nothing is kept once a connection's subscriptions are gone.
 */
export class SubscriptionLimit {
  private readonly subscriptionIds = new WeakMap<Connection, Set<string>>();
  /** Each user's connections that hold (or held, until the next count) a subscription. */
  private readonly connectionsOf = new Map<string, Set<Connection>>();
  private readonly userOf = new WeakMap<Connection, string>();

  constructor(
    readonly max: number,
    readonly maxPerUser = Number.POSITIVE_INFINITY,
    /** Told which limit refused a subscription (metrics). Must not throw. */
    private readonly onRefused: (limit: SubscriptionLimitName) => void = () => {},
  ) {}

  /**
   * Counts subscription `id` on `connection` (of `userId`, when signed in), or returns the error
   * refusing it (BAD_REQUEST, with the limit) and counts nothing. A subscription stops counting as
   * soon as graphql-ws drops it from `connection.subscriptions` (the client's complete message does
   * so at once, and so does closing the connection), and `end` forgets it.
   */
  start(connection: Connection, id: string, userId?: string): GraphQLError | undefined {
    const ids = this.liveIds(connection);
    if (ids.size >= this.max) {
      this.onRefused('subscriptions_per_connection');
      return new GraphQLError(`This connection has ${ids.size} active subscriptions, the limit; complete one before starting another`, {
        extensions: { code: 'BAD_REQUEST', limit: this.max },
      });
    }
    if (userId !== undefined) {
      const held = this.userSubscriptions(userId);
      if (held >= this.maxPerUser) {
        this.onRefused('subscriptions_per_user');
        return new GraphQLError(
          `This user has ${held} active subscriptions over all its connections, the limit; complete one before starting another`,
          { extensions: { code: 'BAD_REQUEST', limit: this.maxPerUser } },
        );
      }
      this.connectionsOf.set(userId, (this.connectionsOf.get(userId) ?? new Set()).add(connection));
      this.userOf.set(connection, userId);
    }
    ids.add(id);
    return undefined;
  }

  end(connection: Connection, id: string): void {
    const ids = this.subscriptionIds.get(connection);
    ids?.delete(id);
    if (ids?.size === 0) this.forget(connection);
  }

  /** The connection's subscriptions that graphql-ws still runs. */
  private liveIds(connection: Connection): Set<string> {
    let ids = this.subscriptionIds.get(connection);
    if (!ids) {
      ids = new Set();
      this.subscriptionIds.set(connection, ids);
    }
    for (const known of ids) if (!(known in connection.subscriptions)) ids.delete(known);
    return ids;
  }

  /** The user's live subscriptions, dropping its connections that hold none any more. */
  private userSubscriptions(userId: string): number {
    let held = 0;
    for (const connection of this.connectionsOf.get(userId) ?? []) {
      const live = this.liveIds(connection).size;
      if (live === 0) this.forget(connection);
      held += live;
    }
    return held;
  }

  private forget(connection: Connection): void {
    const userId = this.userOf.get(connection);
    if (userId === undefined) return;
    this.userOf.delete(connection);
    const connections = this.connectionsOf.get(userId);
    connections?.delete(connection);
    if (connections?.size === 0) this.connectionsOf.delete(userId);
  }
}
