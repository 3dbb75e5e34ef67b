import { z } from 'zod';
import { tagSchema } from './definition/common-schema.js';

/**
 * `session` as every run form takes it (the processor API's `ISession`): `{ tag, token }`, or `{}`
 * for none. A field given as `undefined` (a header or variable that was not set) counts as given:
 * `{ tag, token: undefined }` is a missing token, named as such, rather than a `{}` with two
 * unknown fields.
 */
const sessionRefObject = z
  .strictObject(
    {
      tag: tagSchema.optional(),
      token: z.string().min(1, 'expected the token, a signed JWT (got an empty string)').optional(),
    },
    { error: 'expected { tag, token } (or {} for none)' },
  )
  .superRefine((value, ctx) => {
    const given = Object.keys(value);
    if (given.length === 0) return;
    if (value.tag === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tag'], message: 'required: the session type of the token' });
    }
    if (value.token === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          'required, got undefined: the token was not set (a missing header or variable?); pass {} or leave session out for none',
      });
    }
  });

/** The refinement makes `tag` and `token` both present or both absent; the type says so. */
export const sessionRefSchema = sessionRefObject as unknown as z.ZodType<
  { tag: string; token: string } | Record<string, never>,
  z.input<typeof sessionRefObject>
>;
