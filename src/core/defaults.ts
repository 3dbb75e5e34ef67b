import { tagSchema } from './definition/common-schema.js';
import { ValidationError } from './validation-error.js';

export const MISSING_PRODUCT =
  'required: pass product, or set a default with product.init(tag) or new Backstop({ product })';

export const MISSING_ENV = 'required: pass env, or set it in new Backstop({ env }) or BACKSTOP_ENV';

/** The product and env that calls which do not name one use: `new Backstop({ product, env })`, `product.init(tag)`. */
export class Defaults {
  constructor(
    private productTag: string | undefined,
    readonly env: string | undefined,
  ) {}

  get product(): string | undefined {
    return this.productTag;
  }

  /** `product.init(tag)`: the product of later calls that do not name one. */
  setProduct(tag: string): void {
    if (!tagSchema.safeParse(tag).success) throw ValidationError.field('product', 'expected a product tag');
    this.productTag = tag;
  }

  requireProduct(product: string | undefined): string {
    const resolved = product ?? this.productTag;
    if (resolved) return resolved;
    throw ValidationError.field('product', MISSING_PRODUCT);
  }

  requireEnv(env: string | undefined): string {
    const resolved = env ?? this.env;
    if (resolved) return resolved;
    throw ValidationError.field('env', MISSING_ENV);
  }

  /** The env that descriptions of provider state are read in when the caller names none. */
  displayEnv(): string {
    return this.env ?? 'default';
  }

  /** `(tag)` with the default product, or `(product, tag)`: the two call forms of the API. */
  productAndTag(what: string, a: string, b?: string): [string, string] {
    if (b !== undefined) return [a, b];
    if (typeof a !== 'string' || a === '') throw ValidationError.field('tag', `expected a ${what} tag`);
    return [this.requireProduct(undefined), a];
  }
}
