import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { findRedisServer } from '../../src/redis/find-redis-server.js';
import { until } from './until.js';

const run = promisify(execFile);

/** A local Redis topology a test started, and how it stops: every process it started, by PID. */
export interface LocalTopology {
  url: string;
  stop(): Promise<void>;
}

export interface LocalCluster extends LocalTopology {
  /** The masters' ports, in the order they were started. */
  ports: number[];
}

/**
 * A 3-master Redis Cluster on loopback (no replicas, no Docker): three `redis-server
 * --cluster-enabled yes` on free ports, joined by `redis-cli --cluster create`.
 */
export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-cluster-'));
  const nodes: EmbeddedRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startEmbeddedRedis({
          dir: join(dir, `node-${i}`),
          appendOnly: false,
          settings: {
            'cluster-enabled': 'yes',
            'cluster-config-file': 'nodes.conf',
            'cluster-node-timeout': '2000',
          },
        }),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    // Every node must agree the cluster is whole before a client reads its slot map.
    for (const node of nodes) {
      const client = new Redis(node.url);
      try {
        await until(async () => String(await client.cluster('INFO')).includes('cluster_state:ok'), 20_000);
      } finally {
        client.disconnect();
      }
    }
    return { url: `redis+cluster://${addresses.join(',')}`, ports: nodes.map((node) => node.port), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LocalSentinelGroup extends LocalTopology {
  /** The master's name the sentinels monitor. */
  name: string;
  /** A client to one sentinel, for SENTINEL commands. */
  sentinel(): Redis;
  /** `SENTINEL FAILOVER`, resolved once the sentinels name the new master (its port). */
  failover(): Promise<number>;
}

/**
 * One master, one replica and two sentinels on loopback. A forced failover needs no quorum, so
 * two sentinels (quorum 1) keep the group small on a shared machine.
 */
export async function startLocalSentinelGroup(name = 'backstop-master'): Promise<LocalSentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-sentinel-'));
  const servers: EmbeddedRedis[] = [];
  const sentinels: { port: number; child: ChildProcess }[] = [];
  const stop = async () => {
    await Promise.all(sentinels.map(({ child }) => stopChild(child)));
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const master = await startEmbeddedRedis({ dir: join(dir, 'master'), appendOnly: false });
    servers.push(master);
    const replica = await startEmbeddedRedis({ dir: join(dir, 'replica'), appendOnly: false });
    servers.push(replica);
    const replicaClient = new Redis(replica.url);
    try {
      await replicaClient.replicaof('127.0.0.1', master.port);
      await until(
        async () => (await replicaClient.info('replication')).includes('master_link_status:up'),
        20_000,
      );
    } finally {
      replicaClient.disconnect();
    }
    for (let i = 0; i < 2; i++)
      sentinels.push(await startSentinel(join(dir, `sentinel-${i}.conf`), name, master.port));
    const sentinel = () => new Redis({ port: sentinels[0]?.port ?? 0, host: '127.0.0.1' });
    // Sentinels learn the replica from the master's INFO: a failover needs them to know it.
    const probe = sentinel();
    try {
      await until(
        async () => ((await probe.call('SENTINEL', 'REPLICAS', name)) as unknown[]).length > 0,
        20_000,
      );
    } finally {
      probe.disconnect();
    }
    const url = `redis+sentinel://${sentinels.map(({ port }) => `127.0.0.1:${port}`).join(',')}/${name}`;
    const everySentinel = () => sentinels.map(({ port }) => new Redis({ port, host: '127.0.0.1' }));
    return { url, name, sentinel, failover: () => forceFailover(everySentinel(), name), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Forces a failover through the first sentinel and resolves once EVERY sentinel names the new
 * master: each one announces the switch (+switch-master) when it learns of it, up to a couple of
 * seconds apart, and ioredis's failover detector reconnects its clients on each announcement.
 */
async function forceFailover(clients: Redis[], name: string): Promise<number> {
  const [first] = clients;
  try {
    const before = await masterPort(first!, name);
    await first!.call('SENTINEL', 'FAILOVER', name);
    let after = before;
    await until(async () => {
      after = await masterPort(first!, name);
      return after !== before;
    }, 30_000);
    await until(async () => {
      const ports = await Promise.all(clients.map((client) => masterPort(client, name)));
      return ports.every((port) => port === after);
    }, 30_000);
    return after;
  } finally {
    for (const client of clients) client.disconnect();
  }
}

async function masterPort(client: Redis, name: string): Promise<number> {
  const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
  return Number(port);
}

async function startSentinel(
  file: string,
  name: string,
  masterPort: number,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  writeFileSync(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize no',
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 2000`,
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  const binary = findRedisServer() ?? 'redis-server';
  const child = spawn(binary, [file, '--sentinel'], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 100 });
  client.on('error', () => {});
  try {
    await until(async () => (await client.ping().catch(() => '')) === 'PONG', 10_000);
  } finally {
    client.disconnect();
  }
  return { port, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
