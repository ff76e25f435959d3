import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

/** What a results file says about the machine it was measured on (as bench/run.ts records it), plus the load average at the start. */
export function machineInfo() {
  const shell = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    nproc: shell('nproc', []),
    memoryGB: Math.round(totalmem() / 1e9),
    node: process.version,
    sqlite: shell(process.execPath, [
      '-e',
      "console.log(new (require('better-sqlite3'))(':memory:').prepare('select sqlite_version()').pluck().get())",
    ]),
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export type MachineInfo = ReturnType<typeof machineInfo>;
