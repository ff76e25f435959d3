import type { WriteProbeResult } from '../eventstore/sqlite/writeProbe.js';

/** How long one write probe's result answers /readyz: about a second, far below any orchestrator's period. */
export const WRITE_PROBE_MAX_AGE_MS = 1_000;

/**
 * The write probe behind /readyz, run at most once per `maxAgeMs`: callers within that window (or
 * while a probe runs) share its result, so a flood of /readyz costs one write a second, not one write
 * lock per request. A failing result is kept as long, so the flood cannot wait out the lock either.
 */
export class CachedWriteProbe {
  private last: { at: number; result: Promise<WriteProbeResult> } | undefined;

  constructor(
    private readonly probe: (timeoutMs: number) => Promise<WriteProbeResult>,
    private readonly options: { timeoutMs: number; maxAgeMs?: number; onProbe?: () => void; now?: () => number },
  ) {}

  /** The last probe's result when it is recent enough; otherwise runs one (counted by `onProbe`). */
  result(): Promise<WriteProbeResult> {
    const now = (this.options.now ?? Date.now)();
    if (this.last && now - this.last.at < (this.options.maxAgeMs ?? WRITE_PROBE_MAX_AGE_MS)) return this.last.result;
    this.options.onProbe?.();
    this.last = { at: now, result: this.probe(this.options.timeoutMs) };
    return this.last.result;
  }
}
