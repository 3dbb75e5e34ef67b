/**
 * Every key Backstop writes, in one place. The prefix carries a hash tag (`{backstop}`) so that a
 * Redis Cluster keeps each installation's keys in one slot, where our Lua scripts need them.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  fallback(product: string, tag: string): string {
    return `${this.prefix}:fallback:${product}:${tag}`;
  }
  fallbackIndex(product: string): string {
    return `${this.prefix}:fallbacks:${product}`;
  }
  products(): string {
    return `${this.prefix}:products`;
  }
  app(tag: string): string {
    return `${this.prefix}:app:${tag}`;
  }
  appIndex(): string {
    return `${this.prefix}:apps`;
  }
}
