import type { Logger } from '../logging/logger.js';

/** Why a projection or process stopped: the event it could not handle. */
export type ProjectionFailure = {
  position: number;
  eventId: string;
  eventType: string;
  message: string;
  failedAt: string;
};

/** Records and logs the stop of `consumer` (e.g. "Projection orderView") at an event. */
export function failureAt(
  logger: Logger,
  consumer: string,
  event: { position: number; eventId: string; eventType: string },
  error: unknown,
): ProjectionFailure {
  logger.error(
    { err: error, consumer, position: event.position, eventId: event.eventId, eventType: event.eventType },
    `${consumer} stopped at event ${event.position} (${event.eventType})`,
  );
  return {
    position: event.position,
    eventId: event.eventId,
    eventType: event.eventType,
    message: error instanceof Error ? error.message : String(error),
    failedAt: new Date().toISOString(),
  };
}
