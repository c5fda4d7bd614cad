// The query shapes of issue 5, as dashboards and the API ask them, each with a parameter
// generator drawing from the seeded data so that repeated runs do not hit one cached answer.

const DAY = 86_400_000;

/** A deterministic picker (mulberry32), so two runs of the benchmark ask the same questions. */
export function picker(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, pick: (items) => items[Math.floor(next() * items.length)] };
}

/** What the shapes draw their parameters from: read once from the projected tables. */
export async function loadSamples(dataSource) {
  const column = async (sql) => (await dataSource.query(sql)).map((row) => Object.values(row)[0]);
  const [{ first, last }] = await dataSource.query('SELECT min(requested_at) AS first, max(requested_at) AS last FROM mutations');
  return {
    first: new Date(first).getTime(),
    last: new Date(last).getTime(),
    actors: await column('SELECT DISTINCT actor_id FROM mutations'),
    states: (await dataSource.query('SELECT state_type, state_id FROM states ORDER BY random() LIMIT 500')).map((row) => ({ stateType: row.state_type, stateId: row.state_id })),
    mutationIds: await column('SELECT mutation_id FROM mutations ORDER BY random() LIMIT 500'),
    tickets: await column("SELECT ticket FROM (SELECT DISTINCT metadata->>'ticket' AS ticket FROM mutations WHERE metadata ? 'ticket') AS tickets ORDER BY random() LIMIT 200"),
    approvers: await column('SELECT DISTINCT approver_id FROM approval_decisions'),
    transitions: await column('SELECT DISTINCT transition FROM mutations'),
    categories: await column('SELECT DISTINCT category FROM mutations'),
  };
}

const ROLE_OF = (approverId) => approverId.replace(/-\d+$/, '');

/**
 * Each shape: a name, the route it stands for, and `run(queries, pick, samples)` → the number of
 * rows it returned (for the report). Page size 50, as a dashboard table would ask.
 */
export function queryShapes() {
  const limit = 50;
  const page = { limit };
  const window = (samples, pick, days) => {
    const span = Math.max(0, samples.last - samples.first - days * DAY);
    const from = samples.first + Math.floor(pick.next() * span);
    return { from: new Date(from).toISOString(), to: new Date(from + days * DAY).toISOString() };
  };
  const list = async (queries, filters) => (await queries.listMutations(filters, page)).items.length;
  return [
    { name: 'recent activity (first page, no filter)', route: 'GET /v1/mutations', run: (q) => list(q, {}) },
    {
      name: 'page 21 via cursor (20 pages deep, no filter)',
      route: 'GET /v1/mutations?cursor=…',
      prepare: async (q) => {
        let cursor;
        for (let index = 0; index < 20; index += 1) cursor = (await q.listMutations({}, { limit, cursor })).nextCursor;
        return cursor;
      },
      run: async (q, _pick, _samples, cursor) => (await q.listMutations({}, { limit, cursor })).items.length,
    },
    { name: 'actor timeline (actor=)', route: 'GET /v1/mutations?actor=', run: (q, pick, s) => list(q, { actor: pick.pick(s.actors) }) },
    { name: 'actorKind + status', route: 'GET /v1/mutations?actorKind=&status=', run: (q, pick) => list(q, { actorKind: pick.pick(['human', 'service', 'agent']), status: pick.pick(['applied', 'pending', 'denied', 'rejected', 'failed', 'expired']) }) },
    { name: 'state timeline (stateType + stateId)', route: 'GET /v1/mutations?stateType=&stateId=', run: (q, pick, s) => list(q, pick.pick(s.states)) },
    { name: 'state history (versions)', route: 'GET /v1/states/:type/:id/history', run: async (q, pick, s) => { const state = pick.pick(s.states); return (await q.stateHistory(state.stateType, state.stateId, page)).items.length; } },
    { name: 'transition', route: 'GET /v1/mutations?transition=', run: (q, pick, s) => list(q, { transition: pick.pick(s.transitions) }) },
    { name: 'category + riskLevel', route: 'GET /v1/mutations?category=&riskLevel=', run: (q, pick, s) => list(q, { category: pick.pick(s.categories), riskLevel: pick.pick(['low', 'medium', 'high', 'critical']) }) },
    { name: 'sideEffectSeverity', route: 'GET /v1/mutations?sideEffectSeverity=', run: (q, pick) => list(q, { sideEffectSeverity: pick.pick(['none', 'low', 'medium', 'high']) }) },
    { name: 'tag (any of two)', route: 'GET /v1/mutations?tag=a&tag=b', run: (q, pick) => list(q, { tag: [pick.pick(['prod', 'staging']), pick.pick(['team-a', 'team-b', 'pii'])] }) },
    { name: 'tags (all of two)', route: 'GET /v1/mutations?tags=a,b', run: (q, pick) => list(q, { tags: [pick.pick(['prod', 'staging']), pick.pick(['team-a', 'team-b', 'pii'])] }) },
    { name: 'metadata.ticket=', route: 'GET /v1/mutations?metadata.ticket=', run: (q, pick, s) => list(q, { metadata: { ticket: pick.pick(s.tickets) } }) },
    { name: 'metadata.urgent=true + status', route: 'GET /v1/mutations?metadata.urgent=true&status=', run: (q, pick) => list(q, { metadata: { urgent: 'true' }, status: pick.pick(['applied', 'pending', 'rejected']) }) },
    { name: 'blast radius range', route: 'GET /v1/mutations?blastRadiusMin=&blastRadiusMax=', run: (q, pick) => { const min = pick.pick([1, 2, 5, 10, 50, 100, 1000]); return list(q, { blastRadiusMin: min, blastRadiusMax: min * 10 }); } },
    { name: 'time window, 1 day (requested)', route: 'GET /v1/mutations?from=&to=', run: (q, pick, s) => list(q, window(s, pick, 1)) },
    { name: 'time window, 7 days on applied time', route: 'GET /v1/mutations?timeField=applied&from=&to=', run: (q, pick, s) => list(q, { ...window(s, pick, 7), timeField: 'applied' }) },
    { name: 'text search on reason (q)', route: 'GET /v1/mutations?q=', run: (q, pick) => list(q, { q: `change ${1 + Math.floor(pick.next() * 5000)}` }) },
    {
      name: 'combined: riskLevel=high + tag=prod + 7-day window',
      route: 'GET /v1/mutations?riskLevel=high&tag=prod&from=&to=',
      run: (q, pick, s) => list(q, { riskLevel: 'high', tag: ['prod'], ...window(s, pick, 7) }),
    },
    { name: 'combined: actor + status + 30-day window', route: 'GET /v1/mutations?actor=&status=&from=&to=', run: (q, pick, s) => list(q, { actor: pick.pick(s.actors), status: 'applied', ...window(s, pick, 30) }) },
    { name: 'one mutation with its timeline', route: 'GET /v1/mutations/:id', run: async (q, pick, s) => ((await q.getMutation(pick.pick(s.mutationIds))) ? 1 : 0) },
    { name: 'pending approvals for an approver', route: 'GET /v1/approvals/pending', run: async (q, pick, s) => { const id = pick.pick(s.approvers); return (await q.pendingApprovals({ id, roles: [ROLE_OF(id)] }, page, new Date(s.last))).items.length; } },
    { name: 'recent approval decisions', route: 'GET /v1/approvals/decisions', run: async (q) => (await q.approvalDecisions({}, page)).items.length },
    { name: 'approval decisions by approver, 30 days', route: 'GET /v1/approvals/decisions?approver=&from=&to=', run: async (q, pick, s) => (await q.approvalDecisions({ approver: pick.pick(s.approvers), ...window(s, pick, 30) }, page)).items.length },
    { name: 'risk report, 1 day', route: 'GET /v1/reports/risk?from=&to=', run: async (q, pick, s) => { const w = window(s, pick, 1); return (await q.riskReport(w.from, w.to)).totals.mutations; } },
    { name: 'risk report, 7 days', route: 'GET /v1/reports/risk?from=&to=', run: async (q, pick, s) => { const w = window(s, pick, 7); return (await q.riskReport(w.from, w.to)).totals.mutations; } },
    { name: 'risk report, 30 days', route: 'GET /v1/reports/risk?from=&to=', run: async (q, pick, s) => { const w = window(s, pick, 30); return (await q.riskReport(w.from, w.to)).totals.mutations; } },
    { name: 'risk report, whole history', route: 'GET /v1/reports/risk?from=&to=', run: async (q, _pick, s) => (await q.riskReport(new Date(s.first).toISOString(), new Date(s.last + 1).toISOString())).totals.mutations },
    {
      name: 'export: first 1,000 rows of a filtered export (time to first page)',
      route: 'GET /v1/mutations/export?riskLevel=high',
      run: async (q) => {
        let rows = 0;
        for await (const _row of q.streamMutations({ riskLevel: 'high' })) {
          rows += 1;
          if (rows === 1_000) break;
        }
        return rows;
      },
    },
  ];
}
