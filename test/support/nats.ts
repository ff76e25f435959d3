import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, DeliverPolicy, type NatsConnection } from 'nats';
import { afterAll } from 'vitest';

/** The shared broker of our machines and CI. Tests never stop it. */
export const SHARED_NATS_URL = process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222';
export const NATS_SERVER_BINARY = '/usr/sbin/nats-server';

export async function natsReachable(url: string): Promise<boolean> {
  try {
    const nats = await connect({ servers: url, timeout: 1000, reconnect: false });
    await nats.close();
    return true;
  } catch {
    return false;
  }
}

/** A message as a consumer got it. */
export type Received = {
  subject: string;
  messageId: string | undefined;
  /** The W3C traceparent header, sent while the server traces. */
  traceparent: string | undefined;
  envelope: { position: number; eventId: string; streamId: string; version: number; type: string; data: unknown };
};

/** Everything in `stream`, read by a new durable pull consumer that acks each message. */
export async function consumeAll(url: string, stream: string, durable: string): Promise<Received[]> {
  const nats = await connect({ servers: url, timeout: 2000 });
  try {
    const manager = await nats.jetstreamManager();
    await manager.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const consumer = await nats.jetstream().consumers.get(stream, durable);
    const received: Received[] = [];
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
      let count = 0;
      for await (const message of batch) {
        count++;
        received.push({
          subject: message.subject,
          messageId: message.headers?.get('Nats-Msg-Id'),
          traceparent: message.headers?.get('traceparent') || undefined,
          envelope: message.json(),
        });
        message.ack();
      }
      if (count === 0) return received;
    }
  } finally {
    await nats.drain();
  }
}

export async function deleteStream(url: string, stream: string): Promise<void> {
  const nats: NatsConnection = await connect({ servers: url, timeout: 2000 });
  try {
    await (await nats.jetstreamManager()).streams.delete(stream).catch(() => false);
  } finally {
    await nats.close();
  }
}

/** A nats-server of the test's own (JetStream on, its own store), on a free port; started and stopped at will. */
export class OwnNatsServer {
  readonly storeDirectory = mkdtempSync(join(tmpdir(), 'orderstream-nats-'));
  private process: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async create(): Promise<OwnNatsServer> {
    const server = new OwnNatsServer(await freePort());
    ownServers.add(server);
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn(NATS_SERVER_BINARY, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDirectory], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    while (!(await natsReachable(this.url))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not start on ${this.url}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

const ownServers = new Set<OwnNatsServer>();
afterAll(async () => {
  await Promise.all([...ownServers].map((server) => server.stop()));
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
