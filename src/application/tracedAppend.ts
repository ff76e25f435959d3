import type { AppendOptions, AppendResult, EventStore, NewEvent } from '../eventstore/eventStore.js';
import { inSpan } from '../observability/tracing.js';

/** An append in a span of its own (while tracing is on): the stream, how many events, the position reached. */
export function tracedAppend(
  store: Pick<EventStore, 'append'>,
  streamId: string,
  streamType: string,
  events: readonly NewEvent[],
  options: AppendOptions,
): Promise<AppendResult> {
  return inSpan(
    'eventstore append',
    async (span) => {
      const result = await store.append(streamId, streamType, events, options);
      span?.setAttribute('orderstream.position', result.lastPosition);
      return result;
    },
    { attributes: { 'orderstream.stream_id': streamId, 'orderstream.events': events.length } },
  );
}
