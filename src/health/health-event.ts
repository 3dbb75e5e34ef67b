import type { ProviderState } from '../core/health/provider-state.js';

/**
 * Published on every provider state write, so every process updates its snapshot at once. `seq` is
 * the write's number in the global sequence (and the state's version): a snapshot that sees a gap,
 * or a sequence ahead of what it received, knows it missed a message.
 */
export interface HealthEvent {
  seq: number;
  product: string;
  env: string;
  key: string;
  state: ProviderState;
}

export function snapshotKey(product: string, env: string, key: string): string {
  return `${product}\u0000${env}\u0000${key}`;
}

export function indexMember(product: string, env: string, key: string): string {
  return `state|${product}|${env}|${key}`;
}

/** The member's parts; undefined for members of older layouts (`probe|…`, `circuit|…`). */
export function parseIndexMember(member: string): { product: string; env: string; key: string } | undefined {
  const [kind, product, env, key] = member.split('|');
  if (kind !== 'state' || product === undefined || env === undefined || key === undefined) return undefined;
  return { product, env, key };
}
