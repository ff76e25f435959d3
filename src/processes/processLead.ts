/**
 * Whether this instance runs a process that one instance at a time runs: on a log shared by several
 * instances (PostgreSQL), two copies of the order process would each load, decide and append every
 * reservation, one of them for nothing (its append is refused by the idempotency key, or conflicts).
 */
export interface ProcessLead {
  /** Whether this instance runs it now. */
  readonly leads: boolean;
  /**
   * Takes the lead when no instance holds it (or the one that does has stood still with events
   * waiting, see the implementation); true when this instance leads.
   */
  acquire(): Promise<boolean>;
  /** The checkpoint of whichever instance runs it, as last published; 0 when none has. */
  progress(): Promise<number>;
  /** Publishes this leader's checkpoint for the others (now or shortly, the latest only). */
  publish(position: number): void;
  release(): Promise<void>;
}
