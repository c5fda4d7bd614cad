export type Log = (message: string) => void;

/** DI token for the process's line logger. */
export const LOG = Symbol('LOG');

export function createLog(level: 'info' | 'silent', prefix = 'countersign'): Log {
  if (level === 'silent') return () => undefined;
  return (message) => process.stdout.write(`${new Date().toISOString()} [${prefix}] ${message}\n`);
}
