import { z } from 'zod';

/** BullMQ refuses integer ids and ids with ':' (its key separator). */
export const jobIdSchema = z
  .string()
  .regex(
    /^(?!\d+$)[A-Za-z0-9._-]{1,128}$/,
    'expected a job id: letters, digits, ".", "_" or "-", not only digits',
  );
