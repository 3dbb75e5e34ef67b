import { ValidationError } from '../core/validation-error.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Credentials and transport shared by every node of a topology. */
interface Auth {
  username?: string;
  password?: string;
  /** `rediss`: TLS to every node. */
  tls: boolean;
  db?: number;
}

/** Where Redis is: one node, a Cluster (startup nodes), or a Sentinel group (sentinels and a master name). */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'socket'; path: string }
  | ({ kind: 'cluster'; nodes: HostPort[] } & Auth)
  | ({ kind: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string } & Auth);

const SCHEMES = /^(rediss?)(\+(cluster|sentinel))?:\/\//;

/**
 * Parses the one Redis address every entry point takes:
 * - `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS), `unix:///path/to/redis.sock`;
 * - `redis+cluster://[user:pass@]host:port,host:port` (startup nodes; the rest are discovered);
 * - `redis+sentinel://[user:pass@]host:port,host:port/master-name[/db][?sentinelPassword=…]`.
 * `rediss+cluster://` and `rediss+sentinel://` use TLS. `field` names the variable in errors.
 */
export function parseRedisUrl(text: string, field = 'REDIS_URL'): RedisTarget {
  if (text.startsWith('unix://')) return { kind: 'socket', path: text.slice('unix://'.length) };
  if (text.startsWith('/')) return { kind: 'socket', path: text };
  const scheme = SCHEMES.exec(text);
  if (!scheme) {
    throw ValidationError.field(
      field,
      'expected redis://host:port, rediss://…, unix:///path, redis+cluster://host:port,host:port ' +
        'or redis+sentinel://host:port,host:port/master-name',
    );
  }
  const tls = scheme[1] === 'rediss';
  const topology = scheme[3];
  if (!topology) {
    singleNodeUrl(text, field);
    return { kind: 'single', url: text };
  }
  // Several hosts are not a valid URL authority: split them off, then parse the rest as one.
  const rest = text.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : '';
  const hosts = parseHosts(authority.slice(at + 1), field);
  const tail = new URL(`redis://x${authorityEnd < 0 ? '' : rest.slice(authorityEnd)}`);
  const auth: Auth = { tls, ...credentials(userinfo) };
  const segments = tail.pathname.split('/').filter((s) => s !== '');
  if (topology === 'cluster') {
    if (segments.length > 0)
      throw ValidationError.field(
        field,
        'a Redis Cluster has only database 0: remove the path after the hosts',
      );
    return { kind: 'cluster', nodes: hosts, ...auth };
  }
  const [name, db, ...extra] = segments.map(decodeURIComponent);
  if (!name) throw ValidationError.field(field, 'expected the master name after the sentinels: …/mymaster');
  if (extra.length > 0) throw ValidationError.field(field, 'expected …/master-name or …/master-name/db');
  const target: RedisTarget = { kind: 'sentinel', sentinels: hosts, name, ...auth };
  if (db !== undefined) target.db = database(db, field);
  const sentinelPassword = tail.searchParams.get('sentinelPassword');
  if (sentinelPassword) target.sentinelPassword = sentinelPassword;
  return target;
}

/** `host:port,host:port`, as BACKSTOP_REDIS_CLUSTER_NODES lists them. */
export function parseHosts(list: string, field: string): HostPort[] {
  const hosts = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match?.[1] || port < 1 || port > 65_535)
        throw ValidationError.field(field, `expected host:port, got '${entry}'`);
      return { host: match[1].replace(/^\[|\]$/g, ''), port };
    });
  if (hosts.length === 0) throw ValidationError.field(field, 'expected at least one host:port');
  return hosts;
}

/** Every password a Redis address carries, for the redactor. */
export function passwordsOf(text: string): string[] {
  try {
    const target = parseRedisUrl(text);
    if (target.kind === 'socket') return [];
    if (target.kind === 'single') {
      const password = new URL(target.url).password;
      return password ? [decodeURIComponent(password)] : [];
    }
    const all = [target.password];
    if (target.kind === 'sentinel') all.push(target.sentinelPassword);
    return all.filter((p): p is string => Boolean(p));
  } catch {
    return []; // not an address: the connection reports that
  }
}

/** Hides every password in a Redis address before it reaches a message or a log. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@').replace(/([?&]sentinelPassword=)[^&]*/, '$1***');
}

function singleNodeUrl(text: string, field: string): void {
  const authority = text.slice(text.indexOf('//') + 2).split(/[/?]/)[0] ?? '';
  if (authority.includes(','))
    throw ValidationError.field(field, 'several hosts need redis+cluster:// or redis+sentinel://');
  let host = '';
  try {
    host = new URL(text).hostname;
  } catch {
    // reported below
  }
  if (!host) throw ValidationError.field(field, 'expected redis://host:port (not a valid URL)');
}

function credentials(userinfo: string): { username?: string; password?: string } {
  if (userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const username = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
  const password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) : undefined;
  const out: { username?: string; password?: string } = {};
  if (username) out.username = username;
  if (password) out.password = password;
  return out;
}

function database(text: string, field: string): number {
  const db = Number(text);
  if (!Number.isInteger(db) || db < 0)
    throw ValidationError.field(field, `expected a database number, got '${text}'`);
  return db;
}
