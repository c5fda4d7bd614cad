/** The `countersign` command as a function: `run(argv, io)` answers the exit code (the bin is src/main.ts). */
export { run, type Io } from './program.js';
export { EXIT_CODES, EXIT_CODE_MEANINGS, type ExitCode } from './exit-codes.js';
