/** Values kept in this process by product and tag (code-first chains, code-first healthchecks). */
export class ProductRegistry<T> {
  private readonly entries = new Map<string, { product: string; value: T }>();

  get(product: string, tag: string): T | undefined {
    return this.entries.get(key(product, tag))?.value;
  }

  set(product: string, tag: string, value: T): void {
    this.entries.set(key(product, tag), { product, value });
  }

  delete(product: string, tag: string): boolean {
    return this.entries.delete(key(product, tag));
  }

  /** Entries of one product, or of every product. */
  list(product?: string): { product: string; value: T }[] {
    return [...this.entries.values()].filter((e) => product === undefined || e.product === product);
  }
}

function key(product: string, tag: string): string {
  return `${product}\u0000${tag}`;
}
