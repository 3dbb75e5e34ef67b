import { z } from 'zod';
import { type DataType, DataTypes } from './data-types.js';
import { checkJsonDepth, DEFAULT_MAX_JSON_DEPTH } from './json-depth.js';
import { parseOrThrow } from './zod-issues.js';

/** One declared input field (`{ type: DataTypes.NUMBER }` or `{ type: 'number' }`). */
export interface InputField {
  type: DataType;
  /** Fields are required unless marked `required: false`. */
  required?: boolean;
  description?: string;
}

export type InputSchema = Readonly<Record<string, InputField>>;

const fieldSchema: Record<DataType, () => z.ZodType> = {
  [DataTypes.STRING]: () => z.string(),
  [DataTypes.NUMBER]: () => z.number().finite(),
  [DataTypes.INTEGER]: () => z.number().int(),
  [DataTypes.BOOLEAN]: () => z.boolean(),
  [DataTypes.OBJECT]: () => z.record(z.string(), z.unknown()),
  [DataTypes.ARRAY]: () => z.array(z.unknown()),
  [DataTypes.ANY]: () => z.unknown(),
};

export type InputValidator = (input: unknown) => Record<string, unknown>;

/**
 * Builds the validator once per definition; fields not declared pass through untouched. Input
 * nested deeper than `maxDepth` is refused first: everything after (cache keys, job data) recurses.
 */
export function compileInputSchema(schema: InputSchema, maxDepth = DEFAULT_MAX_JSON_DEPTH): InputValidator {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(schema)) {
    const base = fieldSchema[field.type]();
    shape[name] = field.required === false ? base.optional() : base;
  }
  const zodSchema = z.looseObject(shape);
  return (input) => {
    checkJsonDepth(input, maxDepth, 'input', 'invalid input');
    return parseOrThrow(zodSchema, input ?? {}, 'invalid input', 'input') as Record<string, unknown>;
  };
}

export const inputFieldSchema = z.object({
  type: z.enum(Object.values(DataTypes) as [DataType, ...DataType[]]),
  required: z.boolean().optional(),
  description: z.string().optional(),
});

export const inputSchemaSchema = z.record(z.string().min(1), inputFieldSchema);

/**
 * The fields `$Input{}` may read: the declared ones, or any field (undefined) when a definition
 * declares no input, since there is then nothing to check a template against.
 */
export function readableInputFields(schema: InputSchema): Set<string> | undefined {
  const declared = Object.keys(schema);
  return declared.length > 0 ? new Set(declared) : undefined;
}
