import type { SqlExecutor } from '../projections/projection.js';

export type ReadModelRow = Record<string, unknown>;

/** Every read-model table with its primary key. */
export const READ_MODEL_PRIMARY_KEYS = {
  mutations: ['mutation_id'],
  mutation_timeline: ['mutation_id', 'position'],
  states: ['state_type', 'state_id'],
  state_history: ['state_type', 'state_id', 'version'],
  approval_decisions: ['mutation_id', 'position'],
  timers: ['mutation_id', 'kind'],
  mutation_dependencies: ['dependent_id', 'dependency_id'],
  risk_rollup_daily: ['day', 'risk_level', 'category', 'status'],
  risk_rollup_actor_daily: ['day', 'actor_id', 'actor_kind'],
  risk_rollup_state_daily: ['day', 'state_type', 'state_id'],
  batches: ['batch_id'],
} as const;

export type ReadModelTable = keyof typeof READ_MODEL_PRIMARY_KEYS;
export type ReadModelSnapshot = Record<ReadModelTable, ReadModelRow[]>;

const BIGINT_COLUMNS = new Set(['position', 'requested_position', 'mutations', 'blast_radius', 'high_or_critical']);

/** All rows and columns of every read-model table, ordered by primary key. */
export async function snapshotReadModels(sql: SqlExecutor): Promise<ReadModelSnapshot> {
  const snapshot = {} as ReadModelSnapshot;
  for (const [table, key] of Object.entries(READ_MODEL_PRIMARY_KEYS) as [ReadModelTable, readonly string[]][]) {
    const rows = (await sql.query(`SELECT * FROM "${table}" ORDER BY ${key.map((column) => `"${column}"`).join(', ')}`)) as ReadModelRow[];
    snapshot[table] = rows;
  }
  return snapshot;
}

/**
 * A row as plain JSON-comparable data: timestamps as ISO strings, bigint positions as numbers,
 * so rows from PostgreSQL compare with rows computed from events.
 */
export function normalizeRow(row: ReadModelRow): ReadModelRow {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column,
      value instanceof Date ? value.toISOString() : BIGINT_COLUMNS.has(column) && value !== null ? Number(value) : value,
    ]),
  );
}

/** Rows normalized and sorted by primary key in JavaScript order (independent of the database collation). */
export function comparableRows(table: ReadModelTable, rows: readonly ReadModelRow[]): ReadModelRow[] {
  const key = (row: ReadModelRow) => READ_MODEL_PRIMARY_KEYS[table].map((column) => String(row[column]).padStart(column === 'version' || column === 'position' ? 20 : 0, '0'));
  return rows
    .map(normalizeRow)
    .map((row) => ({ row, key: key(row) }))
    .sort((left, right) => compareKeys(left.key, right.key))
    .map(({ row }) => row);
}

function compareKeys(left: string[], right: string[]): number {
  for (let index = 0; index < left.length; index += 1) {
    const a = left[index]!;
    const b = right[index]!;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}
