import type { Chain } from '../core/chain.js';
import type { CodeFirstDefinition } from '../core/definition/code-first.js';

interface Entry {
  chain: Chain;
  definition: CodeFirstDefinition;
}

/** Code-first definitions live in the process that defined them. */
export class CodeRegistry {
  private readonly entries = new Map<string, Entry>();

  get(product: string, tag: string): Chain | undefined {
    return this.entries.get(key(product, tag))?.chain;
  }

  definition(product: string, tag: string): CodeFirstDefinition | undefined {
    return this.entries.get(key(product, tag))?.definition;
  }

  set(chain: Chain, definition: CodeFirstDefinition): void {
    this.entries.set(key(chain.product, chain.tag), { chain, definition });
  }

  delete(product: string, tag: string): boolean {
    return this.entries.delete(key(product, tag));
  }

  list(product?: string): Chain[] {
    return [...this.entries.values()]
      .map((e) => e.chain)
      .filter((c) => product === undefined || c.product === product);
  }
}

function key(product: string, tag: string): string {
  return `${product}\u0000${tag}`;
}
