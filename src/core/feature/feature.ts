import type { Chain } from '../chain.js';
import type { FeatureEventType } from '../data-types.js';
import type { InputSchema, InputValidator } from '../input-schema.js';
import type { CompiledTemplate } from '../template/compile.js';

/** One compiled step of a feature. */
export type FeatureStep =
  | {
      /** ACTION, DATABASE, NOTIFICATION: one provider, run by the failover engine (retries, timeout, records). */
      kind: 'provider';
      name: string;
      type: FeatureEventType;
      chain: Chain;
    }
  | {
      /** FALLBACK (or WORKFLOW): a stored fallback chain; FEATURE: another feature. */
      kind: 'fallback' | 'feature';
      name: string;
      type: FeatureEventType;
      tag: string;
      input: CompiledTemplate | undefined;
      output: CompiledTemplate | undefined;
    };

/** A compiled feature, ready to run. */
export interface Feature {
  product: string;
  tag: string;
  name: string;
  description?: string | undefined;
  version: number;
  input: InputSchema;
  validateInput: InputValidator;
  steps: readonly FeatureStep[];
  output: CompiledTemplate | undefined;
  deadlineMs?: number | undefined;
}
