import type { SqlExecutor } from './projection.js';

/**
 * Daily rollups of the `mutations` rows for the risk report and the risk views: counts and blast
 * radius per UTC day of the request by (risk level, category, status), by actor and by state.
 * The mutations projection keeps them in the same transaction as the rows: for every row a batch
 * touches it takes back the row's contribution as loaded and adds the contribution as written,
 * so the rollups always equal an aggregate of `mutations` (replays and rebuilds included).
 */
export const RISK_ROLLUP_TABLES = ['risk_rollup_daily', 'risk_rollup_actor_daily', 'risk_rollup_state_daily'] as const;

const HIGH_OR_CRITICAL = new Set(['high', 'critical']);

/** The columns of a mutations row the rollups read. */
export interface RollupSource {
  requested_at: unknown;
  risk_level: unknown;
  category: unknown;
  status: unknown;
  actor_id: unknown;
  actor_kind: unknown;
  state_type: unknown;
  state_id: unknown;
  estimated_blast_radius: unknown;
}

interface Totals {
  mutations: number;
  highOrCritical: number;
  blastRadius: number;
}

/** UTC midnight of a timestamp (a Date from the driver or an ISO string from an event). */
export function utcDay(value: unknown): string {
  const instant = value instanceof Date ? value : new Date(String(value));
  return `${instant.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

/** Accumulates signed contributions per rollup key; zero-sum keys are dropped when written. */
export class RollupDeltas {
  private readonly daily = new Map<string, Totals>();
  private readonly actors = new Map<string, Totals>();
  private readonly states = new Map<string, Totals>();

  /** Adds (sign 1) or takes back (sign -1) one row's contribution. */
  add(row: RollupSource, sign: 1 | -1): void {
    const day = utcDay(row.requested_at);
    const totals: Totals = {
      mutations: sign,
      highOrCritical: HIGH_OR_CRITICAL.has(String(row.risk_level)) ? sign : 0,
      blastRadius: sign * Number(row.estimated_blast_radius ?? 0),
    };
    bump(this.daily, JSON.stringify([day, String(row.risk_level), String(row.category), String(row.status)]), totals);
    bump(this.actors, JSON.stringify([day, String(row.actor_id), String(row.actor_kind)]), totals);
    bump(this.states, JSON.stringify([day, String(row.state_type), String(row.state_id)]), totals);
  }

  /** Non-zero deltas per table, keys sorted (a stable lock order). */
  entries(): { daily: [string[], Totals][]; actors: [string[], Totals][]; states: [string[], Totals][] } {
    const list = (map: Map<string, Totals>) =>
      [...map.entries()]
        .filter(([, totals]) => totals.mutations !== 0 || totals.highOrCritical !== 0 || totals.blastRadius !== 0)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, totals]) => [JSON.parse(key) as string[], totals] as [string[], Totals]);
    return { daily: list(this.daily), actors: list(this.actors), states: list(this.states) };
  }
}

function bump(map: Map<string, Totals>, key: string, delta: Totals): void {
  const totals = map.get(key) ?? { mutations: 0, highOrCritical: 0, blastRadius: 0 };
  totals.mutations += delta.mutations;
  totals.highOrCritical += delta.highOrCritical;
  totals.blastRadius += delta.blastRadius;
  map.set(key, totals);
}

/** One upsert per rollup table; keys whose count fell to zero are removed, as an aggregate would not list them. */
export async function writeRollups(sql: SqlExecutor, deltas: RollupDeltas): Promise<void> {
  const { daily, actors, states } = deltas.entries();
  const column = (entries: [string[], Totals][], index: number) => entries.map(([key]) => key[index]);
  const totals = (entries: [string[], Totals][], name: keyof Totals) => entries.map(([, value]) => value[name]);
  if (daily.length > 0) {
    await sql.query(
      `INSERT INTO risk_rollup_daily AS r (day, risk_level, category, status, mutations, blast_radius)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
       ON CONFLICT (day, risk_level, category, status)
       DO UPDATE SET mutations = r.mutations + EXCLUDED.mutations, blast_radius = r.blast_radius + EXCLUDED.blast_radius`,
      [column(daily, 0), column(daily, 1), column(daily, 2), column(daily, 3), totals(daily, 'mutations'), totals(daily, 'blastRadius')],
    );
    if (daily.some(([, value]) => value.mutations < 0)) await sql.query(
      `DELETE FROM risk_rollup_daily r USING unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[]) AS k(day, risk_level, category, status)
       WHERE r.day = k.day AND r.risk_level = k.risk_level AND r.category = k.category AND r.status = k.status AND r.mutations = 0`,
      [column(daily, 0), column(daily, 1), column(daily, 2), column(daily, 3)],
    );
  }
  for (const [table, keyColumns, entries] of [
    ['risk_rollup_actor_daily', ['actor_id', 'actor_kind'], actors],
    ['risk_rollup_state_daily', ['state_type', 'state_id'], states],
  ] as const) {
    if (entries.length === 0) continue;
    const [first, second] = keyColumns;
    await sql.query(
      `INSERT INTO ${table} AS r (day, ${first}, ${second}, mutations, high_or_critical, blast_radius)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
       ON CONFLICT (day, ${first}, ${second}) DO UPDATE SET mutations = r.mutations + EXCLUDED.mutations,
         high_or_critical = r.high_or_critical + EXCLUDED.high_or_critical, blast_radius = r.blast_radius + EXCLUDED.blast_radius`,
      [column(entries, 0), column(entries, 1), column(entries, 2), totals(entries, 'mutations'), totals(entries, 'highOrCritical'), totals(entries, 'blastRadius')],
    );
    // Only a replayed or corrected row takes a count back here (a request's day, actor and state never change).
    if (entries.some(([, value]) => value.mutations < 0)) await sql.query(
      `DELETE FROM ${table} r USING unnest($1::timestamptz[], $2::text[], $3::text[]) AS k(day, ${first}, ${second})
       WHERE r.day = k.day AND r.${first} = k.${first} AND r.${second} = k.${second} AND r.mutations = 0`,
      [column(entries, 0), column(entries, 1), column(entries, 2)],
    );
  }
}

/**
 * The rollups derived wholesale from `mutations` (their tables are already empty): what a rebuild
 * runs once after the last batch. The same aggregates the batch deltas add up to.
 */
export async function rebuildRollups(sql: SqlExecutor): Promise<void> {
  await sql.query(
    `INSERT INTO risk_rollup_daily (day, risk_level, category, status, mutations, blast_radius)
     SELECT date_trunc('day', requested_at, 'UTC'), risk_level, category, status, count(*), coalesce(sum(estimated_blast_radius), 0)
     FROM mutations GROUP BY 1, 2, 3, 4`,
  );
  for (const [table, keys] of [
    ['risk_rollup_actor_daily', 'actor_id, actor_kind'],
    ['risk_rollup_state_daily', 'state_type, state_id'],
  ] as const) {
    await sql.query(
      `INSERT INTO ${table} (day, ${keys}, mutations, high_or_critical, blast_radius)
       SELECT date_trunc('day', requested_at, 'UTC'), ${keys}, count(*), count(*) FILTER (WHERE risk_level IN ('high', 'critical')),
              coalesce(sum(estimated_blast_radius), 0)
       FROM mutations GROUP BY 1, 2, 3`,
    );
  }
}
