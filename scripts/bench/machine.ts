import os from 'node:os';

/** What every benchmark prints about the machine it ran on, and its progress lines. */

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** `node v20…, 2 x <cpu model>; load average …`: the first thing to read before any ratio. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `node ${process.version}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}; load average ${loadAverage()}`;
}

export function progress(what: string): void {
  process.stdout.write(`  measured ${what}\n`);
}
