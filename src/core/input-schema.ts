import { z } from 'zod';
import { type DataType, DataTypes } from './data-types.js';
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

/** Builds the validator once per definition; fields not declared pass through untouched. */
export function compileInputSchema(schema: InputSchema): InputValidator {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(schema)) {
    const base = fieldSchema[field.type]();
    shape[name] = field.required === false ? base.optional() : base;
  }
  const zodSchema = z.looseObject(shape);
  return (input) => {
    return parseOrThrow(zodSchema, input ?? {}, 'invalid input', 'input') as Record<string, unknown>;
  };
}

export const inputFieldSchema = z.object({
  type: z.enum(Object.values(DataTypes) as [DataType, ...DataType[]]),
  required: z.boolean().optional(),
  description: z.string().optional(),
});

export const inputSchemaSchema = z.record(z.string().min(1), inputFieldSchema);
