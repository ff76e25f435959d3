/**
 * Close code for a WebSocket refused at connection_init because its user holds too many open
 * connections. graphql-ws clients do not retry 4429, so a client over the limit does not hammer the
 * server; it should close another connection first.
 */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;

/**
 * Counts each user's (token subject's) open WebSocket connections and refuses one past `max`, so one
 * principal cannot hold an unbounded number of sockets, each with its subscriptions and replays. A
 * connection counts from its accepted connection_init until `release` (its close).
 */
export class ConnectionLimit {
  private readonly open = new Map<string, Set<object>>();
  private readonly userOf = new WeakMap<object, string>();
  /** Connections released already: one that closed while its token was being checked is never counted. */
  private readonly released = new WeakSet<object>();

  constructor(
    readonly max: number,
    /** Told of each connection refused (metrics). Must not throw. */
    private readonly onRefused: () => void = () => {},
  ) {}

  /** Counts `connection` for `userId`; or, at the limit, counts nothing and returns the close reason. */
  admit(connection: object, userId: string): string | undefined {
    if (this.released.has(connection)) return undefined;
    const connections = this.open.get(userId) ?? new Set();
    if (connections.size >= this.max) {
      this.onRefused();
      // A close reason holds at most 123 bytes: no user id in it.
      return `Too many connections: this user has ${connections.size} open, the limit; close one first`;
    }
    this.open.set(userId, connections.add(connection));
    this.userOf.set(connection, userId);
    return undefined;
  }

  /** Stops counting `connection` for good (call it when it closes, admitted or not). */
  release(connection: object): void {
    this.released.add(connection);
    const userId = this.userOf.get(connection);
    if (userId === undefined) return;
    this.userOf.delete(connection);
    const connections = this.open.get(userId)!;
    connections.delete(connection);
    if (connections.size === 0) this.open.delete(userId);
  }
}
