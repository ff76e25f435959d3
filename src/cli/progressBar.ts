/** A one-line progress report: bar, events (or other `unit`s) done of total, rate and time left. */
export function formatProgress(done: number, total: number, elapsedMs: number, width = 30, unit = 'events'): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const etaSeconds = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit}` +
    `  ${Math.round(rate).toLocaleString('en-US')} ${unit}/s  ETA ${etaSeconds.toFixed(0)} s`
  );
}

/** Draws progress on one line of a terminal, or a line a second when the output is a file or pipe. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, unit = 'events') {
  const startedAt = Date.now();
  let lastLineAt = 0;
  return {
    update(done: number, total: number) {
      const line = formatProgress(done, total, Date.now() - startedAt, undefined, unit);
      if (stream.isTTY) stream.write(`\r${line}`);
      else if (Date.now() - lastLineAt >= 1000) {
        stream.write(`${line}\n`);
        lastLineAt = Date.now();
      }
    },
    finish(done: number, total: number) {
      stream.write(`${stream.isTTY ? '\r' : ''}${formatProgress(done, total, Date.now() - startedAt, undefined, unit)}\n`);
    },
  };
}
