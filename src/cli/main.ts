/**
 * The `backstop` command's entry (bin/backstop.mjs runs it): `npx backstop dev --demo`, `backstop
 * worker`, `backstop dispatch <tag> --input '{…}' --delay 5s`, … See `backstop --help`.
 */
import { processIo } from './io.js';
import { buildProgram } from './program.js';

const { program, state } = buildProgram(processIo());
await program.parseAsync(process.argv);
// One-shot commands have closed what they opened; exit now rather than wait on a stray handle.
if (!state.serving) process.exit(process.exitCode ?? 0);
