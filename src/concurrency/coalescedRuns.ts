/**
 * One run of `pass` at a time, for a reader catching up with a log however often it is woken: a
 * call during a run shares that run, and makes it take one more pass after the current one, since
 * what prompted the call may have come too late for the pass under way.
 */
export class CoalescedRuns {
  private running: Promise<void> | undefined;
  private again = false;

  /** `goOn`: whether another pass is still wanted (false once the reader stops). */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly goOn: () => boolean = () => true,
  ) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && this.goOn());
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The run under way, if any: what a stop waits for. */
  get current(): Promise<void> | undefined {
    return this.running;
  }
}
