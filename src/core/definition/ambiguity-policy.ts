import type { ProviderSpec } from '../chain.js';
import { ValidationError } from '../validation-error.js';
import type { AmbiguityPolicy } from '../verify.js';

/**
 * Fills in each provider's `onAmbiguous` from the chain's: a provider's own setting wins, then the
 * chain's, then `verify` for a provider that has a verify, then `failover` (the documented default).
 * A provider left with `verify` and nothing to verify with is refused here, naming it, rather than
 * stopping runs later.
 */
export function applyAmbiguityPolicy(
  providers: ProviderSpec[],
  chainPolicy: AmbiguityPolicy | undefined,
  pathOf: (index: number) => string,
): ProviderSpec[] {
  return providers.map((provider, index) => {
    const policy = provider.onAmbiguous ?? chainPolicy ?? (provider.verify ? 'verify' : 'failover');
    if (policy === 'verify' && !provider.verify) {
      throw ValidationError.field(
        `${pathOf(index)}.verify`,
        `onAmbiguous is 'verify' for provider '${provider.name}', which has no verify (give it one, or its own onAmbiguous: 'stop' or 'failover')`,
      );
    }
    return { ...provider, onAmbiguous: policy };
  });
}
