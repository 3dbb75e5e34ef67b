import { checkJsonDepth, DEFAULT_MAX_JSON_DEPTH } from '../json-depth.js';
import { parsePath, readPath } from '../path.js';
import { ValidationError } from '../validation-error.js';
import { parseTemplateString, type TemplatePart } from './parse.js';
import { ALL_NAMESPACES, type TemplateNamespace, type TemplateScope } from './scope.js';
import { NO_SECRETS, type SecretSource, undeclaredSecret } from './secret-source.js';

export type CompiledTemplate = (scope: TemplateScope) => unknown;

export interface CompileOptions {
  /** Namespaces this template may use; others are rejected at compile time. */
  namespaces?: readonly TemplateNamespace[];
  /** Declared input fields: `$Input{x.y}` must start with one of them. Omit to allow any. */
  inputFields?: ReadonlySet<string>;
  /** Steps a feature has run before this one: `$Sequence{step}{…}` must name one of them. */
  earlierSteps?: ReadonlySet<string>;
  /** The secrets `$Secret{}` may name (checked now) and read (when evaluated). Default: none. */
  secrets?: SecretSource;
  /** Templates nested deeper than this are refused before compiling. Default 64. */
  maxDepth?: number;
}

const FALLBACK_KEYS = new Set(['error', 'provider', 'code', 'status']);
const RUN_KEYS = new Set(['idempotencyKey', 'runId', 'provider']);
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles a JSON template once into a closure. Literals are returned as they are; a string that is
 * exactly one reference keeps the referenced value's type; mixed strings interpolate.
 */
export function compileTemplate(
  value: unknown,
  fieldPath: string,
  options: CompileOptions = {},
): CompiledTemplate {
  // Compiling recurses: the depth is checked first, without recursion.
  checkJsonDepth(value, options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, fieldPath);
  return compileValue(value, fieldPath, options);
}

function compileValue(value: unknown, fieldPath: string, options: CompileOptions): CompiledTemplate {
  if (typeof value === 'string') return compileString(value, fieldPath, options);
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileValue(item, `${fieldPath}[${i}]`, options));
    if (items.every(isConstant)) return constant(value);
    return (scope) => items.map((item) => item(scope));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, compileValue(item, `${fieldPath}.${key}`, options)] as const,
    );
    if (entries.every(([, item]) => isConstant(item))) return constant(value);
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) out[key] = item(scope);
      return out;
    };
  }
  return constant(value);
}

const CONSTANT = Symbol('constant');
type ConstantTemplate = CompiledTemplate & { [CONSTANT]?: true };

function constant(value: unknown): CompiledTemplate {
  const fn: ConstantTemplate = () => value;
  fn[CONSTANT] = true;
  return fn;
}

function isConstant(fn: CompiledTemplate): boolean {
  return (fn as ConstantTemplate)[CONSTANT] === true;
}

function compileString(text: string, fieldPath: string, options: CompileOptions): CompiledTemplate {
  const parts = parseTemplateString(text, fieldPath);
  const readers = parts.map((part) => compilePart(part, text, fieldPath, options));
  if (parts.every((p) => p.kind === 'text')) return constant(text);
  if (readers.length === 1) return readers[0]!;
  return (scope) => {
    let out = '';
    for (const read of readers) {
      const v = read(scope);
      out += v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return out;
  };
}

function compilePart(
  part: TemplatePart,
  text: string,
  fieldPath: string,
  options: CompileOptions,
): CompiledTemplate {
  if (part.kind === 'text') return constant(part.text);
  const allowed = options.namespaces ?? ALL_NAMESPACES;
  const namespace = part.namespace as TemplateNamespace;
  if (!allowed.includes(namespace)) {
    const where = ALL_NAMESPACES.includes(namespace) ? 'is not allowed here' : 'is not a known reference';
    throw ValidationError.field(
      fieldPath,
      `'$${part.namespace}{${part.arg}}' ${where}; expected one of ${allowed.map((n) => `$${n}{}`).join(', ')}`,
    );
  }
  const context = `template '${text}'`;
  switch (namespace) {
    case 'Input': {
      const path = parsePath(part.arg, fieldPath);
      const root = path[0];
      if (options.inputFields && typeof root === 'string' && !options.inputFields.has(root)) {
        throw ValidationError.field(
          fieldPath,
          `${context} reads input field '${root}', which the input schema does not declare (declared: ${[...options.inputFields].join(', ') || 'none'})`,
        );
      }
      return (scope) => readPath(scope.input, path);
    }
    case 'Response': {
      const path = part.arg === '' ? [] : parsePath(part.arg, fieldPath);
      return (scope) => readPath(scope.response, path);
    }
    case 'Secret': {
      const name = part.arg;
      if (!SECRET_NAME.test(name)) {
        throw ValidationError.field(fieldPath, `${context}: secret name '${name}' must be a variable name`);
      }
      const secrets = options.secrets ?? NO_SECRETS;
      if (!secrets.declared(name)) throw ValidationError.field(fieldPath, undeclaredSecret(name));
      return () => {
        const found = secrets.resolve(name);
        if (found === undefined) {
          throw ValidationError.field(
            fieldPath,
            `secret '${name}' is declared but has no value in this process`,
          );
        }
        return found;
      };
    }
    case 'Session': {
      const path = part.arg === '' ? [] : parsePath(part.arg, fieldPath);
      return (scope) => readPath(scope.session, path);
    }
    case 'Sequence':
      return compileSequence(part.arg, context, fieldPath, options);
    case 'Fallback': {
      if (!FALLBACK_KEYS.has(part.arg)) {
        throw ValidationError.field(fieldPath, `${context}: expected $Fallback{error|provider|code|status}`);
      }
      const key = part.arg as 'error' | 'provider' | 'code' | 'status';
      return (scope) => scope.fallback?.[key];
    }
    case 'Run': {
      if (!RUN_KEYS.has(part.arg)) {
        throw ValidationError.field(fieldPath, `${context}: expected $Run{idempotencyKey|runId|provider}`);
      }
      const key = part.arg as 'idempotencyKey' | 'runId' | 'provider';
      return (scope) => scope.run?.[key];
    }
  }
}

/** `$Sequence{step}` (the step's whole output) or `$Sequence{step}{path}`: a feature's earlier step. */
function compileSequence(
  arg: string,
  context: string,
  fieldPath: string,
  options: CompileOptions,
): CompiledTemplate {
  const split = arg.indexOf('}{');
  const step = (split === -1 ? arg : arg.slice(0, split)).trim();
  const rest = split === -1 ? '' : arg.slice(split + 2).trim();
  if (step === '') throw ValidationError.field(fieldPath, `${context}: expected $Sequence{step}{field}`);
  if (options.earlierSteps && !options.earlierSteps.has(step)) {
    const known = [...options.earlierSteps].join(', ') || 'none';
    throw ValidationError.field(
      fieldPath,
      `${context} reads step '${step}', which does not run before this one (earlier steps: ${known})`,
    );
  }
  const path = rest === '' ? [] : parsePath(rest, fieldPath);
  return (scope) => readPath(scope.sequence?.[step], path);
}
