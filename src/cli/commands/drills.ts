import type { Drill, DrillRequest } from '../../index.js';
import { withBackstop } from '../client.js';
import type { Io } from '../io.js';
import { table } from '../output.js';

export interface DrillsOptions {
  product?: string;
  env?: string;
  json?: boolean;
}

export interface DrillStartOptions extends DrillsOptions {
  tag?: string;
  provider?: string;
  mode: string;
  rate?: string;
  latency?: string;
  duration: string;
}

function rows(drills: Drill[], now: number): string[][] {
  return drills.map((d) => [
    d.id,
    d.product,
    d.env,
    d.provider ? `provider ${d.provider}` : `healthcheck ${d.tag}`,
    d.mode +
      (d.rate === undefined ? '' : ` ${d.rate}`) +
      (d.latencyMs === undefined ? '' : ` +${d.latencyMs} ms`),
    `${Math.max(0, Math.round((d.endsAt - now) / 1000))} s`,
  ]);
}

/** `backstop drills list [--product] [--json]`: the drills in force. */
export function runDrillsList(options: DrillsOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const drills = await backstop.health.drills(options.product);
    if (options.json) io.out(JSON.stringify(drills));
    else if (drills.length === 0) io.out('no drills in force');
    else io.out(table(['id', 'product', 'env', 'target', 'mode', 'left'], rows(drills, Date.now())));
    return 0;
  });
}

/** `backstop drills start --provider <name> | --tag <healthcheck> --mode <mode> --duration <ms> …`. */
export function runDrillsStart(options: DrillStartOptions, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const request = {
      ...(options.tag ? { tag: options.tag } : {}),
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.product ? { product: options.product } : {}),
      ...(options.env ? { env: options.env } : {}),
      mode: options.mode,
      ...(options.rate === undefined ? {} : { rate: Number(options.rate) }),
      ...(options.latency === undefined ? {} : { latencyMs: Number(options.latency) }),
      duration: Number(options.duration),
    } as DrillRequest;
    const drill = await backstop.health.drill(request);
    io.out(
      options.json
        ? JSON.stringify(drill)
        : table(['id', 'product', 'env', 'target', 'mode', 'left'], rows([drill], drill.startedAt)),
    );
    return 0;
  });
}

/** `backstop drills cancel <id>`: exit 1 when no such drill is in force. */
export function runDrillsCancel(id: string, io: Io): Promise<number> {
  return withBackstop(io, async (backstop) => {
    const cancelled = await backstop.health.cancelDrill(id);
    io.out(cancelled ? `drill ${id} cancelled` : `no drill ${id} in force`);
    return cancelled ? 0 : 1;
  });
}
