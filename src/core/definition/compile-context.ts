import { DEFAULT_MAX_JSON_DEPTH } from '../json-depth.js';
import { NO_SECRETS, type SecretSource } from '../template/secret-source.js';

/**
 * What compiling a definition needs from the operator's configuration: which secrets `$Secret{}`
 * may name, and how deep inputs and templates may nest. Injected, so that the core reads no
 * environment of its own.
 */
export interface CompileContext {
  secrets: SecretSource;
  maxJsonDepth: number;
  /** Told of literal values as secret as a `$Secret{}` (an app's header values), to redact them by value. */
  sensitive?: (value: string) => void;
}

/** No secrets, the default depth: what a definition compiled outside a Backstop gets. */
export const DEFAULT_COMPILE_CONTEXT: CompileContext = Object.freeze({
  secrets: NO_SECRETS,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
});
