import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WebSocket, WebSocketServer } from 'ws';
import type { CommandObservation } from '../application/aggregateCommands.js';
import { CLIENT_ERROR_CODES } from '../application/errorCodes.js';
import type { ProcessStatus } from '../processes/processRunner.js';
import type { ProjectionStatus } from '../projections/contracts.js';

/** The codes a refused command is counted under; anything else counts as INTERNAL_SERVER_ERROR (as clients see it). */
const COMMAND_ERROR_CODES: ReadonlySet<string> = new Set(CLIENT_ERROR_CODES);

/** What the read side reports on each scrape. */
export type ReadSideStatus = {
  projections: () => Promise<ProjectionStatus[]>;
  processes: () => Promise<ProcessStatus[]>;
};

/** The WebSocket limits whose refusals are counted (label `limit` of orderstream_websocket_limit_refusals_total). */
export const LIMIT_NAMES = ['subscriptions_per_connection', 'subscriptions_per_user', 'connections_per_user'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

let processRegistry: Registry | undefined;

/**
 * Node's own metrics (CPU, memory, event loop lag, GC, handles): one set per process, however many
 * servers it runs (tests start many), since each collection starts timers that are never stopped.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The server's Prometheus metrics, in a registry of its own (never prom-client's global one):
 * commands, appended events, read-model and process positions, WebSocket connections. `render`
 * reads the read side's status at each scrape and adds Node's process metrics.
 */
export class ServerMetrics {
  private readonly registry = new Registry();
  private readonly commands = new Counter({
    name: 'orderstream_commands_total',
    help: 'Commands handled, by type and outcome (ok, or the error code the sender got)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly commandDuration = new Histogram({
    name: 'orderstream_command_duration_seconds',
    help: 'Time to handle a command (load, decide, append), by type',
    labelNames: ['command'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly eventsAppended = new Counter({
    name: 'orderstream_events_appended_total',
    help: 'Events appended to the log by commands of this server, by event type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  private readonly headPosition = new Gauge({
    name: 'orderstream_event_log_head_position',
    help: 'Position of the last event in the log',
    registers: [this.registry],
  });
  private readonly projectionPosition = new Gauge({
    name: 'orderstream_projection_position',
    help: 'Position of the last event a read model has applied',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  private readonly projectionLagEvents = new Gauge({
    name: 'orderstream_projection_lag_events',
    help: 'Events in the log a read model has not applied yet',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  private readonly projectionLagSeconds = new Gauge({
    name: 'orderstream_projection_lag_seconds',
    help: 'Age of the oldest event a read model has not applied yet; 0 when caught up',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  private readonly projectionState = new Gauge({
    name: 'orderstream_projection_state',
    help: "A read model's state: 1 for the state it is in (LIVE, BUILDING, FAILED), 0 for the others",
    labelNames: ['name', 'state'] as const,
    registers: [this.registry],
  });
  private readonly processPosition = new Gauge({
    name: 'orderstream_process_position',
    help: 'Position of the last event a process (orderFulfilment, natsPublisher) has handled',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  private readonly processLagEvents = new Gauge({
    name: 'orderstream_process_lag_events',
    help: 'Events in the log a process has not handled yet',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  private readonly processParked = new Gauge({
    name: 'orderstream_process_parked_triggers',
    help: 'Triggers a process set aside because it could not handle them (see the projections query); an admin retries them',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  private readonly processState = new Gauge({
    name: 'orderstream_process_state',
    help: "A process's state: 1 for the state it is in (LIVE, FAILED), 0 for the other",
    labelNames: ['name', 'state'] as const,
    registers: [this.registry],
  });
  private readonly subscriptionExecutions = new Counter({
    name: 'orderstream_subscription_executions_total',
    help: 'Subscription selections executed for a change; subscribers asking the same thing share one execution',
    registers: [this.registry],
  });
  private readonly replayEventsRead = new Counter({
    name: 'orderstream_replay_events_read_total',
    help: 'Events read from the log to replay what a subscriber missed (afterPosition, afterVersion, a catch-up after falling behind)',
    registers: [this.registry],
  });
  private readonly pacedLogReads = new Counter({
    name: 'orderstream_log_reads_paced_total',
    help: 'Event-log queries (events, correlation) that waited because their caller had read past its budget (ORDERSTREAM_LOG_READ_BUDGET)',
    registers: [this.registry],
  });
  private readonly limitRefusals = new Counter({
    name: 'orderstream_websocket_limit_refusals_total',
    help: 'WebSocket connections and subscriptions refused by a limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'orderstream_requests_refused_total',
    help: 'GraphQL requests and operations refused before parsing, validation or coercion, by reason (unauthenticated, token_expired, operation_name, variables)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly documentsParsed = new Counter({
    name: 'orderstream_graphql_documents_parsed_total',
    help: 'GraphQL documents parsed, by transport (http, ws, sse); a request refused first never gets here',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  private readonly readinessProbes = new Counter({
    name: 'orderstream_readiness_probes_total',
    help: 'Write probes /readyz ran; calls within a second of the last probe reuse its result',
    registers: [this.registry],
  });
  private readonly messagesSent = new Counter({
    name: 'orderstream_websocket_messages_sent_total',
    help: 'Messages sent to WebSocket clients (graphql-ws protocol messages: next, error, complete, connection_ack, pong)',
    registers: [this.registry],
  });

  private readonly readSideGauges = [
    this.headPosition,
    this.projectionPosition,
    this.projectionLagEvents,
    this.projectionLagSeconds,
    this.projectionState,
    this.processPosition,
    this.processLagEvents,
    this.processState,
    this.processParked,
  ];
  /** Counts one execution of a subscription's selection (see src/graphql/sharedExecution.ts). */
  readonly countSubscriptionExecution = (): void => this.subscriptionExecutions.inc();
  /** Counts one write probe run for /readyz (see src/server/cachedWriteProbe.ts). */
  readonly countReadinessProbe = (): void => this.readinessProbes.inc();
  /** Counts the events one read of a replay returned (see src/subscriptions/countedReads.ts). */
  readonly countReplayRead = (events: number): void => this.replayEventsRead.inc(events);
  /** Counts an event-log query that waited for its caller's read budget (see src/server/logReadBudget.ts). */
  readonly countPacedLogRead = (): void => this.pacedLogReads.inc();
  /** Counts a connection or subscription refused by one of the per-connection or per-user limits. */
  readonly countLimitRefusal = (limit: LimitName): void => this.limitRefusals.inc({ limit });
  private webSocketServer: WebSocketServer | undefined;
  private subscriptions = 0;

  constructor() {
    // Every limit shows, at 0 until it refuses something.
    for (const limit of LIMIT_NAMES) this.limitRefusals.inc({ limit }, 0);
    const metrics = this;
    new Gauge({
      name: 'orderstream_websocket_connections',
      help: 'Open WebSocket connections',
      registers: [this.registry],
      collect() {
        this.set(metrics.webSocketServer?.clients.size ?? 0);
      },
    });
    new Gauge({
      name: 'orderstream_websocket_subscriptions',
      help: 'Subscriptions running over WebSocket',
      registers: [this.registry],
      collect() {
        this.set(metrics.subscriptions);
      },
    });
  }

  /** The command observer (see AggregateCommands): counts every command, whoever sent it. */
  readonly observeCommand = (observation: CommandObservation): void => {
    const code = 'error' in observation ? (observation.error as { code?: unknown } | null)?.code : undefined;
    const outcome = !('error' in observation)
      ? 'ok'
      : typeof code === 'string' && COMMAND_ERROR_CODES.has(code)
        ? code
        : 'INTERNAL_SERVER_ERROR';
    this.commands.inc({ command: observation.command, outcome });
    this.commandDuration.observe({ command: observation.command }, observation.durationSeconds);
    for (const event of observation.appended) this.eventsAppended.inc({ type: event.type });
  };

  /** A request or operation refused before any GraphQL work (see boundedRequest.ts, authentication.ts). */
  readonly countRefusal = (reason: 'unauthenticated' | 'token_expired' | 'operation_name' | 'variables'): void => {
    this.refusals.inc({ reason });
  };

  /** A GraphQL document about to be parsed. */
  readonly countParse = (transport: 'http' | 'ws' | 'sse'): void => {
    this.documentsParsed.inc({ transport });
  };

  /** For websocketHooks: a subscription started (+1) or ended (-1). */
  readonly countSubscription = (delta: 1 | -1): void => {
    this.subscriptions = Math.max(0, this.subscriptions + delta);
  };

  /** Counts the connections of `server` and the messages sent on each (call before it accepts any). */
  watchWebSockets(server: WebSocketServer): void {
    this.webSocketServer = server;
    server.on('connection', (socket: WebSocket) => {
      // ws has no event for a sent message: count at the one door every message goes through.
      const send = socket.send.bind(socket) as (...args: unknown[]) => void;
      socket.send = ((...args: unknown[]) => {
        this.messagesSent.inc();
        send(...args);
      }) as WebSocket['send'];
    });
  }

  /** `Content-Type` of `render`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The Prometheus text exposition: reads the read side's status first (a status that cannot be
   * read leaves its gauges out rather than stale, and the head position at 0), then this server's
   * metrics and Node's.
   */
  async render(readSide: ReadSideStatus): Promise<string> {
    const [projections, processes] = await Promise.all([
      readSide.projections().catch(() => undefined),
      readSide.processes().catch(() => undefined),
    ]);
    for (const gauge of this.readSideGauges) gauge.reset();
    for (const status of projections ?? []) {
      this.headPosition.set(status.headPosition);
      this.projectionPosition.set({ name: status.name }, status.position);
      this.projectionLagEvents.set({ name: status.name }, status.lagEvents);
      this.projectionLagSeconds.set({ name: status.name }, status.lagMs / 1000);
      for (const state of ['LIVE', 'BUILDING', 'FAILED'] as const) {
        this.projectionState.set({ name: status.name, state }, status.state === state ? 1 : 0);
      }
    }
    for (const status of processes ?? []) {
      this.processPosition.set({ name: status.name }, status.position);
      this.processLagEvents.set({ name: status.name }, status.lagEvents);
      this.processParked.set({ name: status.name }, status.parked.length);
      for (const state of ['LIVE', 'FAILED'] as const) this.processState.set({ name: status.name, state }, status.state === state ? 1 : 0);
    }
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }
}
