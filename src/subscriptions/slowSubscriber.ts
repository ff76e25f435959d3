/**
 * The WebSocket close code for a connection whose subscriber stopped taking messages while its
 * buffer was full. The client should reconnect and resubscribe from the last position it received.
 */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 4503;
export const SLOW_SUBSCRIBER_CLOSE_REASON = 'Subscriber too slow: reconnect and resume from your last position';

/** How long a subscriber with a full buffer may take nothing before it counts as stalled. */
export const STALLED_AFTER_MS = 1_000;

/** A subscriber that fell more than its buffer behind and stopped reading; it should resubscribe from where it was. */
export class SubscriberOverflowError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly details = {};
  constructor(limit: number) {
    super(`The subscriber fell more than ${limit} changes behind and stopped reading; subscribe again from your last position`);
    this.name = 'SubscriberOverflowError';
  }
}
