import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_AUTH } from './auth.js';

/** `orderstream serve` running in a child process. */
export type ChildServer = {
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Every line it wrote at level error or fatal (JSON level 50 and up), or naming SQLITE_BUSY. */
  errorLines(): string[];
};

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUTPUT_KEPT = 256 * 1024;

/** Every child server started and not yet exited, for a sweep (a test file's afterAll, the soak's exit). */
export const liveChildren = new Set<ChildProcess>();

/**
 * Spawns `orderstream serve` on a free port over `databaseFile`; resolves once it listens (it catches
 * its read models up before that). Free of vitest, so bench scripts can use it too.
 */
export function spawnServer(databaseFile: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ORDERSTREAM_DB: databaseFile, ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  let output = '';
  const errorLines: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const keep = (stream: keyof typeof partial) => (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    // Kept for the message when it exits before listening; bounded, since it logs every request.
    if (output.length > 2 * OUTPUT_KEPT) output = output.slice(-OUTPUT_KEPT);
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop()!;
    errorLines.push(...lines.filter((line) => /"level":(5|6)\d|SQLITE_BUSY/.test(line)));
  };
  child.stdout!.on('data', keep('stdout'));
  child.stderr!.on('data', keep('stderr'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { liveChildren.delete(child); resolve(code); }));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /GraphQL at (http:\/\/\S+)/.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolve({ url: match[1]!, process: child, exited, errorLines: () => [...errorLines] });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`The server exited (${code}) before listening:\n${output}`)));
  });
}

/** kill -9: no shutdown code runs. */
export async function killHard(server: Pick<ChildServer, 'process' | 'exited'>): Promise<void> {
  server.process.kill('SIGKILL');
  await server.exited;
}

/** SIGKILLs every child server still running. */
export function killAllChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}
