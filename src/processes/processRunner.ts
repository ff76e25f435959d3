import { StorageUnavailableError } from '../eventstore/errors.js';
import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import { UnreadableEventError } from '../eventstore/upcasting/unreadableEventError.js';
import type { Logger } from '../logging/logger.js';
import { CoalescedRuns } from '../concurrency/coalescedRuns.js';
import { failureAt, type ProjectionFailure } from '../projections/failure.js';
import type { ParkedTrigger, ParkedTriggers } from './parkedTriggers.js';
import type { ProcessCheckpoints } from './processCheckpoints.js';
import type { ProcessDefinition } from './process.js';
import type { ProcessLead } from './processLead.js';

export type ProcessStatus = {
  name: string;
  state: 'LIVE' | 'FAILED';
  position: number;
  headPosition: number;
  lagEvents: number;
  lastError: ProjectionFailure | null;
  /** Triggers set aside (see ProcessDefinition.parkKey), oldest first. */
  parked: ParkedTrigger[];
  /** Whether this instance runs it (one instance at a time does, on a log shared by instances). */
  runsHere: boolean;
};

const READ_BATCH_SIZE = 200;
/** How often a follower tries to take the lead of a process one instance at a time runs. */
const LEAD_TRY_EVERY_MS = 500;

/**
 * Feeds one process from the log in batches (`batchSize`), saving the checkpoint after each. A crash
 * between a command and the checkpoint hands that batch to the process again: its commands carry
 * idempotency keys, so they answer as before and append nothing. An unexpected error stops the
 * process at that event until `retry`; nothing is skipped. A storage fault (StorageUnavailableError)
 * does not stop it: `catchUp` rejects with it, and the next one resumes from the checkpoint.
 * A process with a `parkKey` parks such an event instead, and goes on with every other key.
 */
export class ProcessRunner {
  private checkpoint: number;
  private failure: ProjectionFailure | undefined;
  private readonly passes = new CoalescedRuns(
    () => this.handleNew(),
    () => !this.stopped && !this.failure,
  );
  private stopped = false;
  private backoffMs: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** When a follower may next try to take the lead: not on every append, which would be a statement each. */
  private nextLeadTry = 0;
  /** With `readAtMostEveryMs`: when the last pass began, and the one waiting to begin. */
  private lastPassAt = 0;
  private delayed: { timer: NodeJS.Timeout; done: Promise<void>; start: () => void } | undefined;

  constructor(
    private readonly definition: ProcessDefinition,
    private readonly store: EventStore,
    private readonly checkpoints: ProcessCheckpoints,
    private readonly parkedTriggers: ParkedTriggers,
    private readonly logger: Logger,
    /** Set when one instance at a time runs it: this instance handles events only while it leads. */
    private readonly lead?: ProcessLead,
  ) {
    this.checkpoint = checkpoints.get(definition.name);
  }

  get name(): string {
    return this.definition.name;
  }

  get position(): number {
    return this.checkpoint;
  }

  /** Handles what is new in the log; concurrent calls share one pass (and ask for another). */
  catchUp(): Promise<void> {
    const every = this.definition.readAtMostEveryMs;
    if (every === undefined) return this.passes.run();
    if (this.delayed) return this.delayed.done;
    const wait = this.lastPassAt + every - Date.now();
    if (wait <= 0) return this.passNow();
    // One pass for every wake-up until then.
    let start: () => void = () => {};
    const done = new Promise<void>((resolve) => (start = () => resolve(this.passNow())));
    this.delayed = { timer: setTimeout(() => this.delayed?.start(), wait), done, start };
    return done;
  }

  private passNow(): Promise<void> {
    this.delayed = undefined;
    this.lastPassAt = Date.now();
    return this.passes.run();
  }

  /** Starts now the pass readAtMostEveryMs holds back, if there is one. */
  private takeDelayedPass(): Promise<void> | undefined {
    const delayed = this.delayed;
    if (!delayed) return undefined;
    clearTimeout(delayed.timer);
    delayed.start();
    return delayed.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    void this.takeDelayedPass();
    clearTimeout(this.retryTimer);
    await this.passes.current;
    await this.lead?.release();
  }

  /** Forgets the failure and handles the failed event again. */
  retry(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.failure = undefined;
    return this.catchUp();
  }

  async status(): Promise<ProcessStatus> {
    // A read held back by readAtMostEveryMs is taken now: the status shows where the process is, not where it waits.
    await this.takeDelayedPass()?.catch(() => {});
    const headPosition = await this.store.headPosition();
    const runsHere = !this.lead || this.lead.leads;
    // Run elsewhere: where the instance running it has got to.
    const position = runsHere ? this.checkpoint : Math.max(this.checkpoint, await this.lead!.progress());
    return {
      name: this.name,
      state: this.failure ? 'FAILED' : 'LIVE',
      position,
      headPosition,
      lagEvents: Math.max(0, headPosition - position),
      lastError: this.failure ?? null,
      parked: this.parkedTriggers.list(this.name),
      runsHere,
    };
  }

  /**
   * Handles the parked triggers again, oldest first, until none is left that can be handled: one
   * that fails again stays parked (with the new reason), and so do the later ones of its key.
   * Resolves with how many were handled.
   */
  async retryParked(): Promise<number> {
    const { parkKey } = this.definition;
    if (!parkKey) return 0;
    const stuckKeys = new Set<string>();
    let handled = 0;
    for (let progress = true; progress && !this.stopped; ) {
      progress = false;
      for (const trigger of this.parkedTriggers.list(this.name)) {
        if (this.stopped) break;
        if (stuckKeys.has(trigger.key)) continue;
        const [event] = await this.store.readAll({ afterPosition: trigger.position - 1, limit: 1 });
        if (event?.eventId !== trigger.eventId)
          throw new Error(`Parked trigger at ${trigger.position} is not in the log as ${trigger.eventId}`);
        try {
          await this.definition.handle([event]);
        } catch (error) {
          if (error instanceof StorageUnavailableError) throw error;
          stuckKeys.add(trigger.key);
          this.parkedTriggers.park({ ...trigger, message: messageOf(error) });
          continue;
        }
        this.parkedTriggers.remove(this.name, trigger.position);
        handled += 1;
        progress = true;
      }
    }
    return handled;
  }

  /** True when the event's key has a parked trigger, which the event is now parked behind. */
  private parkedBehind(event: StoredEvent, key: string): boolean {
    const first = this.parkedTriggers.firstParked(this.name, key);
    // Its own row (parked before a crash, its checkpoint not saved): handled again, not parked behind itself.
    if (first === undefined || first >= event.position) return false;
    this.park(event, key, `Waiting behind the trigger parked at position ${first} for ${key}`);
    return true;
  }

  private park(event: StoredEvent, key: string, message: string, error?: unknown): void {
    this.parkedTriggers.park({ process: this.name, key, position: event.position, eventId: event.eventId, eventType: event.type, message });
    this.logger.error(
      { err: error, process: this.name, key, position: event.position, eventId: event.eventId, eventType: event.type },
      `Process ${this.name} parked event ${event.position} (${event.type}) of ${key}: ${message}`,
    );
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  private async handleNew(): Promise<void> {
    if (this.lead && !this.lead.leads && !(await this.takeLead())) return;
    await this.startWhereTheLogShowsWorkDone();
    while (!this.stopped && !this.failure) {
      const events = await this.read();
      if (events.length === 0 || !(await this.handleBatch(events))) break;
    }
  }

  /**
   * Hands the events it reacts to over in groups of `batchSize`, saving the checkpoint after each
   * group; the events it ignores move the checkpoint with them. False when it stopped.
   */
  private async handleBatch(events: readonly StoredEvent[]): Promise<boolean> {
    const { parkKey } = this.definition;
    // A process that parks takes one event at a time unless it says it can take a batch.
    const groupSize = this.definition.batchSize ?? (parkKey ? 1 : READ_BATCH_SIZE);
    let done = this.checkpoint;
    let doneBeforeGroup = done;
    let group: StoredEvent[] = [];
    const flush = async (): Promise<boolean> => {
      if (group.length === 0) return true;
      try {
        if (parkKey) await this.handleParking(group, parkKey);
        else await this.definition.handle(group);
      } catch (error) {
        // A storage fault (read-only, full, locked) is no bug of the process: the next poll tries again.
        if (error instanceof StorageUnavailableError) throw error;
        this.fail(group[0]!, error);
        this.save(doneBeforeGroup);
        return false;
      }
      this.backoffMs = undefined;
      group = [];
      this.save(done);
      return true;
    };
    for (const event of events) {
      if (this.stopped) {
        this.save(group.length > 0 ? doneBeforeGroup : done);
        return false;
      }
      if (this.reactsTo(event.type)) {
        if (group.length === 0) doneBeforeGroup = done;
        group.push(event);
      }
      done = event.position;
      if (group.length >= groupSize && !(await flush())) return false;
    }
    if (!(await flush())) return false;
    this.save(done);
    return true;
  }

  /**
   * The group's events whose key has nothing parked, as one batch; when the batch fails, each of
   * them alone (what the batch did is done again as a no-op: handling is idempotent), parking the
   * ones that fail by themselves, and behind them the later ones of their key.
   */
  private async handleParking(group: readonly StoredEvent[], parkKey: (event: StoredEvent) => string): Promise<void> {
    const ready = group.filter((event) => !this.parkedBehind(event, parkKey(event)));
    if (ready.length === 0) return;
    try {
      await this.definition.handle(ready);
      return;
    } catch (error) {
      if (error instanceof StorageUnavailableError) throw error;
      if (ready.length === 1) return this.park(ready[0]!, parkKey(ready[0]!), messageOf(error), error);
    }
    for (const event of ready) {
      const key = parkKey(event);
      if (this.parkedBehind(event, key)) continue;
      try {
        await this.definition.handle([event]);
      } catch (error) {
        if (error instanceof StorageUnavailableError) throw error;
        this.park(event, key, messageOf(error), error);
      }
    }
  }

  /**
   * A follower's try, at most every LEAD_TRY_EVERY_MS: when it takes the lead, it goes on from where
   * the last leader got to (its published checkpoint) rather than from its own old one; what it
   * handles again (the last leader's work since it last published) is a no-op by the idempotency keys.
   */
  private async takeLead(): Promise<boolean> {
    if (Date.now() < this.nextLeadTry) return false;
    this.nextLeadTry = Date.now() + LEAD_TRY_EVERY_MS;
    if (!(await this.lead!.acquire())) return false;
    // None published (the first leader ever): where the log shows its work done, as for a new instance.
    const position = Math.max(this.checkpoint, await this.lead!.progress());
    this.logger.info({ process: this.name, position }, `Process ${this.name}: this instance runs it from position ${position}`);
    this.save(position);
    return true;
  }

  /** A process with no checkpoint yet starts where its definition finds it may (see startingPosition). */
  private async startWhereTheLogShowsWorkDone(): Promise<void> {
    if (this.checkpoint > 0 || !this.definition.startingPosition || this.checkpoints.has(this.name)) return;
    let position = 0;
    try {
      position = await this.definition.startingPosition(this.store);
    } catch (error) {
      // An event it cannot read on the way back (an unknown type): from the beginning, where the
      // process stops at that event as it would anyway. A storage fault: the next pass asks again.
      if (!(error instanceof UnreadableEventError)) throw error;
    }
    this.logger.info(
      { process: this.name, position },
      `Process ${this.name} has no checkpoint: starting after position ${position}, as the log shows its work done before`,
    );
    this.checkpoints.set(this.name, position);
    this.checkpoint = position;
  }

  private reactsTo(type: string): boolean {
    return this.definition.handles === 'all' || this.definition.handles.includes(type);
  }

  /** The next batch; up to an unreadable event, where the process stops (and never skips it). */
  private async read(): Promise<StoredEvent[]> {
    try {
      return await this.store.readAll({ afterPosition: this.checkpoint, limit: READ_BATCH_SIZE });
    } catch (error) {
      if (!(error instanceof UnreadableEventError)) throw error;
    }
    const before: StoredEvent[] = [];
    for (;;) {
      try {
        const [next] = await this.store.readAll({ afterPosition: before.at(-1)?.position ?? this.checkpoint, limit: 1 });
        if (!next) return before;
        before.push(next);
      } catch (error) {
        if (!(error instanceof UnreadableEventError)) throw error;
        if (before.length === 0) this.fail({ ...error, type: error.eventType }, error);
        return before;
      }
    }
  }

  private save(position: number): void {
    if (position <= this.checkpoint) return;
    this.checkpoints.set(this.name, position);
    this.checkpoint = position;
    this.lead?.publish(position);
  }

  /** Stops at the event; a process with a backoff tries again by itself (doubling the wait). */
  private fail(event: Pick<StoredEvent, 'position' | 'eventId' | 'type'>, error: unknown): void {
    this.failure = failureAt(this.logger, `Process ${this.name}`, { ...event, eventType: event.type }, error);
    const backoff = this.definition.retryBackoff;
    if (!backoff || this.stopped) return;
    this.backoffMs = Math.min(backoff.maxMs, this.backoffMs === undefined ? backoff.initialMs : this.backoffMs * 2);
    this.retryTimer = setTimeout(() => void this.retry().catch(() => undefined), this.backoffMs);
    this.retryTimer.unref();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
