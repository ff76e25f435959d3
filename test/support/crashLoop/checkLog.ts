import { clientIdempotencyKey } from '../../../src/application/idempotencyKeys.js';
import { subjectOf } from '../auth.js';
import { type LogRow, sqliteLogRows } from './logRows.js';
import { type CommandRecord, EVENT_OF, type SentCommand, TOKEN_FIELD } from './sentCommand.js';

export type LogCheck = {
  events: number;
  orders: number;
  acknowledged: number;
  /** Acknowledged commands whose event is not in the log at the answered version. */
  lost: string[];
  /** Commands (or events) that appear more than once. */
  duplicates: string[];
  /** Gaps in versions, events no client sent, and the like. */
  problems: string[];
};

/**
 * Checks the log (a SQLite file's, or rows read with `postgresLogRows`) against the record: every
 * acknowledged command's event is at the version answered, nothing appears twice, versions are
 * contiguous, every event was sent.
 */
export function checkLog(log: string | readonly LogRow[], record: Pick<CommandRecord, 'acks' | 'sent' | 'refused'>): LogCheck {
  const rows = typeof log === 'string' ? sqliteLogRows(log) : log;
  const lost: string[] = [];
  const duplicates: string[] = [];
  const problems: string[] = [];

  const eventIds = new Set<string>();
  const streams = new Map<string, LogRow[]>();
  const byToken = new Map<string, LogRow[]>();
  const byCommandId = new Map<string, LogRow[]>();
  // The log holds each client's commandId scoped to its sender.
  const storedKey = (command: SentCommand) => command.commandId && clientIdempotencyKey(subjectOf(command.user), command.commandId);
  const clientCommandIds = new Set([...record.sent.values()].flatMap((command) => (command.commandId ? [storedKey(command)] : [])));
  for (const row of rows) {
    if (eventIds.has(row.event_id)) duplicates.push(`event id ${row.event_id} twice`);
    eventIds.add(row.event_id);
    streams.set(row.stream_id, [...(streams.get(row.stream_id) ?? []), row]);
    if (!row.stream_id.startsWith('order-')) continue;
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const token = String(data[TOKEN_FIELD[row.type]!]);
    byToken.set(token, [...(byToken.get(token) ?? []), row]);
    const { commandId } = JSON.parse(row.metadata) as { commandId: string };
    if (clientCommandIds.has(commandId)) byCommandId.set(commandId, [...(byCommandId.get(commandId) ?? []), row]);
    const command = record.sent.get(token);
    if (!command || EVENT_OF[command.mutation] !== row.type || `order-${command.orderId}` !== row.stream_id) {
      problems.push(`${row.type} at ${row.stream_id} v${row.version} matches no command a client sent (token ${token})`);
    } else if (command.commandId && storedKey(command) !== commandId) {
      problems.push(`${row.type} at ${row.stream_id} v${row.version} carries commandId ${commandId}, the client sent ${command.commandId}`);
    }
  }

  for (const [streamId, events] of streams) {
    const versions = events.map((event) => event.version);
    if (versions.some((version, index) => version !== index + 1))
      problems.push(`${streamId}: versions ${versions.join(',')} are not 1..${versions.length} in position order`);
    if (!streamId.startsWith('order-')) continue;
    const types = events.map((event) => event.type);
    for (const type of new Set(types)) {
      if (types.filter((t) => t === type).length > 1)
        duplicates.push(`${streamId}: ${type} ${types.filter((t) => t === type).length} times`);
    }
    if (types[0] !== 'OrderPlaced') problems.push(`${streamId} starts with ${types[0]}`);
  }
  for (const [token, events] of byToken) if (events.length > 1) duplicates.push(`command ${token} took effect ${events.length} times`);
  for (const [commandId, events] of byCommandId)
    if (events.length > 1) duplicates.push(`commandId ${commandId} on ${events.length} events`);

  for (const { command, version } of record.acks) {
    const event = streams.get(`order-${command.orderId}`)?.find((candidate) => candidate.version === version);
    const token = event && String((JSON.parse(event.data) as Record<string, unknown>)[TOKEN_FIELD[event.type]!]);
    if (!event || event.type !== EVENT_OF[command.mutation] || token !== command.token) {
      lost.push(
        `${command.mutation} ${command.token} answered with version ${version}; the log has ${event ? `${event.type} (${token})` : 'nothing'} there`,
      );
    }
  }
  for (const command of record.refused) {
    if (!byToken.has(command.token))
      problems.push(`The re-sent ${command.mutation} ${command.token} was refused, yet its first send is not in the log`);
  }
  return {
    events: rows.length,
    orders: [...streams.keys()].filter((id) => id.startsWith('order-')).length,
    acknowledged: record.acks.length,
    lost,
    duplicates,
    problems,
  };
}
