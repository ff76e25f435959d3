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
  consumer: string,
  event: { position: number; eventId: string; eventType: string },
  error: unknown,
): ProjectionFailure {
  console.error(`${consumer} stopped at event ${event.position} (${event.eventType}):`, error);
  return {
    position: event.position,
    eventId: event.eventId,
    eventType: event.eventType,
    message: error instanceof Error ? error.message : String(error),
    failedAt: new Date().toISOString(),
  };
}
