/**
 * The reference model of the causal protocol (docs/protocol.md) for the harness's `ledger`
 * contract: a single-threaded, obviously-correct description of what the system must have done,
 * given the order it chose. The harness checks the running system against it.
 */

export interface LedgerDocument {
  entries: string[];
  total: number;
}

export interface PostPayload {
  entry: string;
  amount: number;
}

/** The ledger's semantics: entries keep their order (non-commutative), the total adds up. */
export function applyPost(document: LedgerDocument, payload: PostPayload): LedgerDocument {
  return { entries: [...document.entries, payload.entry], total: document.total + payload.amount };
}

export const OPENED: LedgerDocument = { entries: [], total: 0 };

/** What the system recorded about one mutation, as read back over the API once everything settled. */
export interface MutationOutcome {
  mutationId: string;
  stateId: string;
  status: string;
  payload: PostPayload | Record<string, never>;
  expectedVersion: number | null;
  idempotencyKey: string | null;
  dependsOn: string[];
  stateVersion: number | null;
  outcomeCode: string | null;
  requestedBy: string;
}

/** One version of a state from its history. */
export interface AppliedVersion {
  version: number;
  mutationId: string;
  position: number;
}

/** An answer a client got, with the request that caused it. */
export interface Observation {
  client: number;
  principal: string;
  key: string | null;
  requestFingerprint: string;
  status: number;
  body: Record<string, unknown>;
}

/** A broken guarantee, described for the failure message. */
export type Violation = string;

/**
 * Replays each state's history in version order through the reference semantics and checks
 * every guarantee of the protocol against what the clients saw and the system recorded.
 */
export function checkProtocol(input: {
  histories: ReadonlyMap<string, readonly AppliedVersion[]>;
  documents: ReadonlyMap<string, LedgerDocument>;
  outcomes: ReadonlyMap<string, MutationOutcome>;
  observations: readonly Observation[];
}): Violation[] {
  const violations: Violation[] = [];
  const appliedAt = new Map<string, { stateId: string; version: number; position: number }>();

  // Versions are gap-free and monotonic; each mutation executes at most once; the document is the
  // reference fold of exactly the applied payloads, in version order (no semantic drift).
  for (const [stateId, versions] of input.histories) {
    versions.forEach((item, index) => {
      if (item.version !== index + 1) violations.push(`${stateId}: version ${item.version} at place ${index + 1} (versions must be 1..n without gaps)`);
      if (index > 0 && item.position <= versions[index - 1]!.position) violations.push(`${stateId}: version ${item.version} was applied before version ${item.version - 1} in the log`);
      if (appliedAt.has(item.mutationId)) violations.push(`mutation ${item.mutationId} applied twice`);
      appliedAt.set(item.mutationId, { stateId, version: item.version, position: item.position });
    });
    let expected: LedgerDocument | null = null;
    for (const item of versions) {
      const outcome = input.outcomes.get(item.mutationId);
      if (item.version === 1) expected = OPENED;
      else if (outcome && expected && 'entry' in outcome.payload) expected = applyPost(expected, outcome.payload as PostPayload);
      else if (!outcome) violations.push(`${stateId}: version ${item.version} was applied by ${item.mutationId}, which no client submitted`);
    }
    const served = input.documents.get(stateId);
    if (canonical(served) !== canonical(expected)) {
      violations.push(`${stateId}: served ${JSON.stringify(served)} but the reference fold of its history gives ${JSON.stringify(expected)}`);
    }
  }

  for (const outcome of input.outcomes.values()) {
    const applied = appliedAt.get(outcome.mutationId);
    // Status and history agree.
    if ((outcome.status === 'applied') !== (applied !== undefined)) {
      violations.push(`mutation ${outcome.mutationId} is ${outcome.status} but ${applied ? 'is' : 'is not'} in its state's history`);
    }
    if (outcome.status === 'pending') violations.push(`mutation ${outcome.mutationId} is still pending after everything settled`);
    // expectedVersion: applied only on top of exactly that version.
    if (applied && outcome.expectedVersion !== null && applied.version !== outcome.expectedVersion + 1) {
      violations.push(`mutation ${outcome.mutationId} expected version ${outcome.expectedVersion} but was applied as version ${applied.version}`);
    }
    // Dependencies: applied only after every dependency was applied; failed for a dependency only when one was not.
    const dependencies = outcome.dependsOn.map((id) => ({ id, applied: appliedAt.get(id), outcome: input.outcomes.get(id) }));
    if (applied) {
      for (const dependency of dependencies) {
        if (!dependency.applied) violations.push(`mutation ${outcome.mutationId} applied although its dependency ${dependency.id} is ${dependency.outcome?.status ?? 'unknown'}`);
        else if (dependency.applied.position >= applied.position) violations.push(`mutation ${outcome.mutationId} applied before its dependency ${dependency.id}`);
      }
    }
    if (outcome.outcomeCode === 'dependency_failed' && dependencies.every((dependency) => dependency.applied)) {
      violations.push(`mutation ${outcome.mutationId} failed with dependency_failed but all its dependencies applied`);
    }
    if (outcome.status === 'failed' && outcome.outcomeCode !== 'dependency_failed' && outcome.outcomeCode !== 'dependency_timeout') {
      violations.push(`mutation ${outcome.mutationId} failed with ${outcome.outcomeCode}, which this workload cannot cause`);
    }
  }

  // Idempotency: one key, one request, one execution, one answer (status and body).
  const byKey = new Map<string, Observation[]>();
  for (const observation of input.observations) {
    if (observation.key === null) continue;
    const id = `${observation.principal}\u0000${observation.key}`;
    byKey.set(id, [...(byKey.get(id) ?? []), observation]);
  }
  for (const [id, observations] of byKey) {
    const first = observations[0]!;
    const key = id.split('\u0000')[1];
    for (const observation of observations.slice(1)) {
      if (observation.requestFingerprint !== first.requestFingerprint) {
        if (observation.status !== 409 || observation.body.error !== 'idempotency_conflict') violations.push(`key ${key}: a different request got ${observation.status} ${String(observation.body.error ?? '')} instead of 409 idempotency_conflict`);
      } else if (observation.status !== first.status || JSON.stringify(observation.body) !== JSON.stringify(first.body)) {
        violations.push(`key ${key}: retries got different answers (${first.status} vs ${observation.status})`);
      }
    }
    const executions = [...input.outcomes.values()].filter((outcome) => outcome.idempotencyKey === key && outcome.requestedBy === first.principal);
    if (executions.length > 1) violations.push(`key ${key}: executed ${executions.length} times`);
  }

  // Every answer of an applied submit names the version it got, and that is the recorded one.
  for (const observation of input.observations) {
    if (observation.status !== 201) continue;
    const mutationId = String(observation.body.mutationId);
    const applied = appliedAt.get(mutationId);
    if (!applied || applied.version !== observation.body.stateVersion) {
      violations.push(`answer 201 for ${mutationId} says version ${String(observation.body.stateVersion)} but history says ${applied?.version ?? 'not applied'}`);
    }
  }
  return violations;
}

/** JSON with object keys sorted, so documents compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}
