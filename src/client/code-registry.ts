import type { Chain } from '../core/chain.js';
import type { CodeFirstDefinition } from '../core/definition/code-first.js';
import { ProductRegistry } from '../core/product-registry.js';

/** Code-first definitions live in the process that defined them. */
export class CodeRegistry {
  private readonly entries = new ProductRegistry<{ chain: Chain; definition: CodeFirstDefinition }>();

  get(product: string, tag: string): Chain | undefined {
    return this.entries.get(product, tag)?.chain;
  }

  definition(product: string, tag: string): CodeFirstDefinition | undefined {
    return this.entries.get(product, tag)?.definition;
  }

  set(chain: Chain, definition: CodeFirstDefinition): void {
    this.entries.set(chain.product, chain.tag, { chain, definition });
  }

  delete(product: string, tag: string): boolean {
    return this.entries.delete(product, tag);
  }

  list(product?: string): Chain[] {
    return this.entries.list(product).map((e) => e.value.chain);
  }
}
