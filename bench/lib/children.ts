import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server under test in a child process of the bench: the same machine, the same conditions. */
export type Child = {
  name: string;
  url: string;
  wsUrl: string;
  process: ChildProcess;
  /** Resident set size now and its peak so far (VmRSS, VmHWM), in MB (10^6 bytes). */
  memory(): { rssMB: number; peakRssMB: number };
  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
};

/**
 * Waits until none of `children` uses more than `maxShare` of a core over half a second (at most
 * `timeoutMs`): work a server does after a load (its read models and processes catching up) must
 * not steal the CPU from whatever is measured next, on a machine of two cores.
 */
export async function waitIdle(children: readonly Child[], maxShare = 0.05, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = children.map((child) => child.cpuSeconds());
    await new Promise((resolve) => setTimeout(resolve, 500));
    const busiest = Math.max(...children.map((child, index) => (child.cpuSeconds() - before[index]!) / 0.5));
    if (busiest <= maxShare || Date.now() > deadline) return;
  }
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `node --import tsx <script> ...args` (node itself, not the tsx launcher, so the pid is the
 * server's own for its memory figures) and resolves with the URL it prints: `GraphQL at <url>` for
 * orderstream, `LISTENING <url>` for the baselines. Its output is drained and dropped afterwards.
 */
export function startChild(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
  nodeOptions: string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(?:GraphQL at|LISTENING) (http:\/\/[^\s"]+)/.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      const url = match[1]!;
      resolve({
        name,
        url,
        wsUrl: url.replace(/^http/, 'ws'),
        process: child,
        memory: () => memoryOf(child.pid!),
        cpuSeconds: () => cpuSecondsOf(child.pid!),
        async stop() {
          if (child.exitCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-50_000);
    });
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before listening:\n${output.slice(-5000)}`)));
  });
}

function memoryOf(pid: number): { rssMB: number; peakRssMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: Math.round((kib('VmRSS') * 1024) / 1e6), peakRssMB: Math.round((kib('VmHWM') * 1024) / 1e6) };
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
