import ipaddr from 'ipaddr.js';
import type { Config } from '../config.js';
import { ValidationError } from '../core/validation-error.js';

/** `new Backstop({ outbound })`: the same settings as BACKSTOP_OUTBOUND_ALLOW / _LOOPBACK, in code. */
export interface OutboundOptions {
  /** Hosts (`api.stripe.com`), subdomain wildcards (`*.paypal.com`), IPs and CIDRs. Empty: any host. */
  allow?: string[];
  /** Loopback addresses (127.0.0.0/8, ::1): allowed unless `false`. */
  loopback?: boolean;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Names of cloud metadata services, refused before anything is resolved. */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);
/** Metadata services outside link-local: AWS over IPv6, Alibaba Cloud. */
const METADATA_ADDRESSES = new Set(['fd00:ec2::254', '100.100.100.200']);
/** Address ranges that are never a provider: link-local (metadata lives there), unspecified, multicast. */
const NEVER = new Set(['linkLocal', 'unspecified', 'multicast', 'broadcast']);

const ALLOW = 'BACKSTOP_OUTBOUND_ALLOW';

/**
 * Where apps, URL healthchecks and JWKS URLs may send requests (against SSRF: a write key must not
 * point Backstop at a cloud metadata service or an internal port). Checked when a definition is
 * created, from its URL, and again for every connection, after DNS resolution (outbound-fetch.ts):
 * - link-local and cloud metadata addresses, unspecified and multicast: refused unless a CIDR or IP
 *   of the allow-list names them;
 * - loopback: allowed (local development, tests) unless turned off;
 * - with an allow-list, a host name must match one of its names or wildcards, and an IP literal
 *   one of its IPs or CIDRs (names are decided by name, so a create-time check needs no DNS); a
 *   listed name is still refused when it resolves to one of the addresses above.
 */
export class OutboundPolicy {
  private readonly names = new Set<string>();
  private readonly wildcards: string[] = [];
  private readonly cidrs: Cidr[] = [];

  constructor(
    allow: readonly string[],
    private readonly loopback: boolean,
  ) {
    const issues: { path: string; message: string }[] = [];
    allow.forEach((raw, i) => {
      const entry = raw.trim().toLowerCase().replace(/\.$/, '');
      if (entry === '') return;
      if (entry.startsWith('*.') && isHostName(entry.slice(2))) this.wildcards.push(entry.slice(1));
      else if (ipaddr.isValid(entry)) this.cidrs.push(asCidr(ipaddr.process(entry)));
      else if (entry.includes('/') && isCidr(entry)) this.cidrs.push(ipaddr.parseCIDR(entry));
      else if (isHostName(entry)) this.names.add(entry);
      else issues.push({ path: `${ALLOW}[${i}]`, message: 'expected a host, *.domain, an IP or a CIDR' });
    });
    if (issues.length > 0) throw new ValidationError(issues, 'invalid configuration');
  }

  static from(config: Config, options: OutboundOptions = {}): OutboundPolicy {
    const allow = options.allow ?? (config.BACKSTOP_OUTBOUND_ALLOW ?? '').split(',');
    const loopback = options.loopback ?? config.BACKSTOP_OUTBOUND_LOOPBACK === 'allow';
    return new OutboundPolicy(allow, loopback);
  }

  /**
   * A URL given in a definition, checked as far as it can be without DNS; a URL built from
   * `$Secret{}` is checked when it is called. Throws a ValidationError at `fieldPath`.
   */
  checkUrl(url: string | undefined, fieldPath: string, context?: string): void {
    if (url === undefined || /\$[A-Za-z]+\{/.test(url)) return;
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return; // not a URL: the definition's schema says so
    }
    const problem = this.hostProblem(host);
    if (problem)
      throw ValidationError.field(fieldPath, `calls to '${host}' are refused: ${problem}`, context);
  }

  /** Why a host (a name or an IP literal) may not be called, or undefined when it may, so far. */
  hostProblem(host: string): string | undefined {
    const name = normalize(host);
    if (ipaddr.isValid(name)) return this.addressProblem(name, true);
    if (METADATA_NAMES.has(name)) return 'a cloud metadata service';
    if (this.isListed() && !this.nameListed(name)) return notListed();
    return undefined; // what it resolves to is checked when it is called
  }

  /**
   * Why `address` may not be connected to, or undefined when it may: an IP literal of a URL
   * (`literal`), or what an allowed name resolved to.
   */
  addressProblem(address: string, literal = false): string | undefined {
    if (!ipaddr.isValid(address)) return `'${address}' is not an IP address`;
    const ip = ipaddr.process(address);
    // The operator named this address or its network: that decides.
    if (this.cidrs.some((cidr) => cidr[0].kind() === ip.kind() && ip.match(cidr as never))) return undefined;
    const range = ip.range();
    if (METADATA_ADDRESSES.has(ip.toString()) || NEVER.has(range)) {
      const what =
        range === 'linkLocal' || METADATA_ADDRESSES.has(ip.toString())
          ? 'link-local or cloud metadata'
          : range;
      return `${ip.toString()} is a ${what} address (refused unless ${ALLOW} lists it)`;
    }
    if (range === 'loopback')
      return this.loopback
        ? undefined
        : `${ip.toString()} is a loopback address (BACKSTOP_OUTBOUND_LOOPBACK=deny)`;
    if (literal && this.isListed()) return notListed();
    return undefined;
  }

  private isListed(): boolean {
    return this.names.size > 0 || this.wildcards.length > 0 || this.cidrs.length > 0;
  }

  private nameListed(name: string): boolean {
    return this.names.has(name) || this.wildcards.some((suffix) => name.endsWith(suffix));
  }
}

function notListed(): string {
  return `not in ${ALLOW}`;
}

/** Lower case, no trailing dot, no IPv6 brackets: the forms a URL or a connector gives. */
function normalize(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

function isHostName(text: string): boolean {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(text);
}

function isCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

function asCidr(ip: ipaddr.IPv4 | ipaddr.IPv6): Cidr {
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}
