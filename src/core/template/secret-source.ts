/**
 * Where `$Secret{NAME}` gets its value: only names the operator declared (in configuration or in
 * code), never the process environment as a whole. Injected, so that the engine reads no
 * environment of its own.
 */
export interface SecretSource {
  /** Whether `$Secret{name}` may be used at all; checked when a definition is created. */
  declared(name: string): boolean;
  /** The value when a call is made; undefined when declared but not set in this process. */
  resolve(name: string): string | undefined;
}

/** No secret declared: every `$Secret{}` is refused. */
export const NO_SECRETS: SecretSource = {
  declared: () => false,
  resolve: () => undefined,
};

/**
 * The same words whether or not a variable of that name exists anywhere: a refusal says nothing
 * about the environment.
 */
export function undeclaredSecret(name: string): string {
  return `secret '${name}' is not declared; $Secret{} reads only names the operator declares (BACKSTOP_SECRETS, BACKSTOP_SECRET_<NAME> variables, or new Backstop({ secrets }))`;
}
