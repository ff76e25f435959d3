import pg from 'pg';
import { type Clock, systemClock } from '../../clock/clock.js';
import { clientConfig, logChannel, type PostgresConnectionOptions } from './connection.js';

/**
 * Why a reader should look at the log now: an append committed (`position` is its last event), or
 * the watcher has just (re)connected, so notifications may have been missed while it was away.
 */
export type LogWake =
  | { reason: 'appended'; position: number; fromBackend: number }
  | { reason: 'connected' }
  /** A NOTIFY on one of `alsoListenTo`, from the server process `fromBackend`. */
  | { reason: 'notified'; channel: string; payload: string; fromBackend: number };

export type PostgresLogWatcherOptions = PostgresConnectionOptions & {
  /**
   * Called on every wake-up. It is a hint only: the reader reads the log from its own last position,
   * and so must also poll now and then in case a wake-up is lost. Throwing from it is reported to
   * `onError` and does not stop the watcher.
   */
  onWake: (wake: LogWake) => void;
  /** Told about each lost connection and failed reconnect; the watcher keeps trying regardless. */
  onError?: (error: Error) => void;
  /** The first wait before reconnecting; it doubles per failure up to `maxReconnectDelayMs`. Default 100. */
  reconnectDelayMs?: number;
  /** Default 5000. */
  maxReconnectDelayMs?: number;
  /** More channels that wake the reader, e.g. the read-model leaders' (any payload). */
  alsoListenTo?: string[];
  /** The clock the reconnect delays are kept by; the wall clock by default (tests pass a ManualClock). */
  clock?: Clock;
};

/**
 * LISTENs on the log's channel on a connection of its own and turns each NOTIFY into a wake-up.
 * NOTIFY is only a wake-up, never the data: a notification sent while the connection is down is
 * lost, so after each reconnect the watcher emits a `connected` wake-up and the reader re-reads from
 * its last position, missing nothing.
 */
export class PostgresLogWatcher {
  private client: pg.Client | undefined;
  private pid: number | undefined;
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  private cancelWait: (() => void) | undefined;

  private constructor(private readonly options: PostgresLogWatcherOptions) {}

  /** Connects and LISTENs, then emits a `connected` wake-up. Throws when the first connection fails. */
  static async start(options: PostgresLogWatcherOptions): Promise<PostgresLogWatcher> {
    const watcher = new PostgresLogWatcher(options);
    await watcher.listen();
    return watcher;
  }

  /** The server process of the LISTEN connection, undefined while disconnected (tests terminate it). */
  get backendPid(): number | undefined {
    return this.pid;
  }

  /** Stops listening and reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelWait?.();
    await this.reconnecting;
    const client = this.client;
    this.client = undefined;
    this.pid = undefined;
    await client?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(clientConfig(this.options, 'log watcher'));
    let lost = false;
    const onLost = (error: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.connectionLost(error);
    };
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('The LISTEN connection to PostgreSQL ended')));
    const logChannelName = logChannel(this.options);
    client.on('notification', (message) => {
      if (message.channel !== logChannelName) {
        this.wake({ reason: 'notified', channel: message.channel, payload: message.payload ?? '', fromBackend: message.processId });
        return;
      }
      const position = Number(message.payload);
      if (Number.isSafeInteger(position)) this.wake({ reason: 'appended', position, fromBackend: message.processId });
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      for (const channel of [logChannelName, ...(this.options.alsoListenTo ?? [])]) {
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      }
      // Handlers run on this same thread, so nothing can slip in between this check and the assignment.
      if (lost) throw new Error('The LISTEN connection to PostgreSQL was lost while it was being set up');
      if (this.closed) throw new Error('The watcher was closed while connecting');
      this.client = client;
      this.pid = rows[0]!.pid;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    // Anything appended while we were not listening is found by the reader's re-read.
    this.wake({ reason: 'connected' });
  }

  private connectionLost(error: Error): void {
    this.client = undefined;
    this.pid = undefined;
    this.report(error);
    if (!this.closed && !this.reconnecting) {
      this.reconnecting = this.reconnect().finally(() => {
        this.reconnecting = undefined;
      });
    }
  }

  private async reconnect(): Promise<void> {
    const maxDelay = this.options.maxReconnectDelayMs ?? 5000;
    let delay = this.options.reconnectDelayMs ?? 100;
    while (!this.closed) {
      await this.wait(delay);
      if (this.closed) return;
      try {
        await this.listen();
        return;
      } catch (error) {
        if (!this.closed) this.report(error as Error);
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }

  private wait(ms: number): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    return new Promise((resolve) => {
      const timer = clock.setTimer(clock.now() + ms, () => resolve());
      this.cancelWait = () => {
        timer.cancel();
        resolve();
      };
    });
  }

  private wake(wake: LogWake): void {
    try {
      this.options.onWake(wake);
    } catch (error) {
      this.report(error as Error);
    }
  }

  private report(error: Error): void {
    this.options.onError?.(error);
  }
}
