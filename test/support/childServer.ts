import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_AUTH, TEST_MASTER_KEY } from './auth.js';

// Free of vitest, so bench scripts can use it too; tests sweep leftovers with killChildServersAfterAll.ts.

/** `orderstream serve` running in a child process. */
export type ChildServer = {
  url: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** The last 256 KB or more it wrote (stdout and stderr), for a failure message. */
  output(): string;
  /** Every line it wrote at level error or fatal (JSON level 50 and up), or naming SQLITE_BUSY. */
  errorLines(): string[];
};

export type ChildServerOptions = {
  /** Runs it under this user and group (the caller must be root), e.g. to make file permissions bite. */
  user?: { uid: number; gid: number };
  /** The checkout whose `src/cli.ts` runs; default this one (see checkoutForUser.ts when `user` cannot read it). */
  checkout?: string;
};

/** This checkout: the server runs from here, whatever the caller's working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUTPUT_KEPT = 256 * 1024;

const liveChildren = new Set<ChildProcess>();

/**
 * Spawns `orderstream serve` on a free port over `databaseFile`, with the test token key; resolves once
 * it listens (it catches its read models up before that). Rejects, with its output, if it exits first.
 */
export function startChildServer(
  databaseFile: string,
  env: Record<string, string> = {},
  options: ChildServerOptions = {},
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: options.checkout ?? REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      ORDERSTREAM_DB: databaseFile,
      ORDERSTREAM_JWT_SECRET: TEST_AUTH.secret,
      ORDERSTREAM_MASTER_KEY: TEST_MASTER_KEY.toString('base64'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options.user,
  });
  liveChildren.add(child);
  let output = '';
  const errorLines: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const keep = (stream: keyof typeof partial) => (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    // Bounded, since it logs every request.
    if (output.length > 2 * OUTPUT_KEPT) output = output.slice(-OUTPUT_KEPT);
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop()!;
    errorLines.push(...lines.filter((line) => /"level":(5|6)\d|SQLITE_BUSY/.test(line)));
  };
  child.stdout!.on('data', keep('stdout'));
  child.stderr!.on('data', keep('stderr'));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      liveChildren.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /GraphQL at (http:\/\/\S+)/.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolve({ url: match[1]!, process: child, exited, output: () => output, errorLines: () => [...errorLines] });
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

/** SIGKILLs every child server still running (a test file's afterAll, the soak's exit). */
export function killAllChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}
