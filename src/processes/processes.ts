import type Database from 'better-sqlite3';
import type { EventStore } from '../eventstore/eventStore.js';
import { fallbackLogger, type Logger } from '../logging/logger.js';
import { ProjectionNotFoundError, ProjectionStateError } from '../projections/contracts.js';
import { ParkedTriggers } from './parkedTriggers.js';
import { ProcessCheckpoints } from './processCheckpoints.js';
import type { ProcessDefinition } from './process.js';
import type { ProcessLead } from './processLead.js';
import { ProcessRunner, type ProcessStatus } from './processRunner.js';

/** Runs every process manager of the server: started with it, poked after appends, polled meanwhile. */
export class Processes {
  private readonly runners: Map<string, ProcessRunner>;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    db: Database.Database,
    store: EventStore,
    definitions: readonly ProcessDefinition[],
    private readonly pollIntervalMs = 500,
    /** Where failures are logged; a fallback logger on stderr when absent. */
    private readonly logger: Logger = fallbackLogger(),
    /**
     * With a log shared by instances: the lead of each process one instance at a time runs (every
     * one but those marked `everyInstance`). Without, this instance runs them all.
     */
    leadOf?: (name: string) => ProcessLead,
  ) {
    const checkpoints = new ProcessCheckpoints(db);
    const parked = new ParkedTriggers(db);
    this.runners = new Map(
      definitions.map((definition) => {
        const lead = leadOf && !definition.everyInstance ? leadOf(definition.name) : undefined;
        return [definition.name, new ProcessRunner(definition, store, checkpoints, parked, logger, lead)];
      }),
    );
  }

  start(): void {
    this.pollTimer = setInterval(() => this.poke(), this.pollIntervalMs);
    this.pollTimer.unref();
    this.poke();
  }

  async stop(): Promise<void> {
    clearInterval(this.pollTimer);
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
  }

  /** Looks for new events now. */
  poke(): void {
    for (const runner of this.runners.values()) {
      runner
        .catchUp()
        .catch((error: unknown) => this.logger.error({ err: error, process: runner.name }, `Process ${runner.name}: catching up failed`));
    }
  }

  has(name: string): boolean {
    return this.runners.has(name);
  }

  status(): Promise<ProcessStatus[]> {
    return Promise.all([...this.runners.values()].map((runner) => runner.status()));
  }

  /** Resumes a FAILED process from the event that failed, then handles its parked triggers again. */
  async retry(name: string): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) throw new ProjectionNotFoundError(name);
    const { parked } = await runner.status();
    if (!runner.failed && parked.length === 0) {
      throw new ProjectionStateError(`Process ${name} has not failed and has no parked triggers`, { state: 'LIVE' });
    }
    if (runner.failed) await runner.retry();
    await runner.retryParked();
  }
}
