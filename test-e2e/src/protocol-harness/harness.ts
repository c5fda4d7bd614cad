import fc from 'fast-check';
import { PATIENT_WAIT_MS } from '@countersign/event-store/testing';
import { checkProtocol, type AppliedVersion, type LedgerDocument, type MutationOutcome, type Observation, type Violation } from './model.js';

/**
 * The differential protocol harness (docs/protocol.md §6): fast-check generates schedules of
 * client operations (submits with and without keys, retries with the same key, changed bodies
 * under a used key, expected versions, dependencies, approvals and rejections); several clients
 * run them concurrently against the running system; afterwards the recorded truth is read back
 * over the API and checked against the single-threaded reference model (model.ts).
 */

export type HttpAnswer = { status: number; body: any; headers: Headers };
export type Http = (method: string, path: string, options: { as: string; body?: unknown; headers?: Record<string, string> }) => Promise<HttpAnswer>;

export type Operation =
  | { kind: 'submit'; client: number; state: number; entry: string; amount: number; hold: boolean; keyed: boolean; expectVersion: boolean; dependsOn: number[] }
  | { kind: 'retry'; client: number; of: number; changeBody: boolean }
  | { kind: 'decide'; client: number; of: number; decision: 'approve' | 'reject' };

export interface Schedule {
  clients: number;
  states: number;
  operations: Operation[];
}

/** Principals the harness acts as: requesters, and the risk-officer who decides held entries. */
const REQUESTERS = ['alice', 'bot'] as const;
const APPROVER = 'carol';
const ADMIN = 'erin';

export function scheduleArbitrary(options: { maxOperations?: number } = {}): fc.Arbitrary<Schedule> {
  const maxOperations = options.maxOperations ?? 60;
  return fc
    .record({ clients: fc.integer({ min: 2, max: 8 }), states: fc.integer({ min: 1, max: 4 }), length: fc.integer({ min: 5, max: maxOperations }) })
    .chain(({ clients, states, length }) =>
      fc
        .array(
          fc.oneof(
            { weight: 6, arbitrary: fc.constant('submit' as const) },
            { weight: 2, arbitrary: fc.constant('retry' as const) },
            { weight: 1, arbitrary: fc.constant('decide' as const) },
          ),
          { minLength: length, maxLength: length },
        )
        .chain((kinds) =>
          fc.tuple(
            ...kinds.map((kind, index): fc.Arbitrary<Operation> => {
              const client = fc.integer({ min: 0, max: clients - 1 });
              const earlier = fc.integer({ min: 0, max: Math.max(0, index - 1) });
              if (kind === 'submit' || index === 0) {
                return fc.record({
                  kind: fc.constant('submit' as const),
                  client,
                  state: fc.integer({ min: 0, max: states - 1 }),
                  entry: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
                  amount: fc.integer({ min: -50, max: 50 }),
                  hold: fc.integer({ min: 0, max: 3 }).map((value) => value === 0),
                  keyed: fc.boolean(),
                  expectVersion: fc.integer({ min: 0, max: 4 }).map((value) => value === 0),
                  dependsOn: fc.oneof({ weight: 3, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.uniqueArray(earlier, { minLength: 1, maxLength: 2 }) }),
                });
              }
              if (kind === 'retry') return fc.record({ kind: fc.constant('retry' as const), client, of: earlier, changeBody: fc.integer({ min: 0, max: 5 }).map((value) => value === 0) });
              return fc.record({ kind: fc.constant('decide' as const), client, of: earlier, decision: fc.constantFrom('approve' as const, 'reject' as const) });
            }),
          ),
        )
        .map((operations) => ({ clients, states, operations })),
    );
}

interface Submitted {
  principal: string;
  key: string | null;
  body: Record<string, unknown>;
  answer: HttpAnswer;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Runs one schedule on fresh states named `<prefix>-<n>` and checks the outcome; returns the broken guarantees. */
export async function runSchedule(http: Http, schedule: Schedule, prefix: string): Promise<Violation[]> {
  const stateIds = Array.from({ length: schedule.states }, (_, index) => `${prefix}-${index}`);
  for (const stateId of stateIds) {
    const opened = await http('POST', '/v1/mutations', { as: 'alice', body: { stateType: 'ledger', stateId, transition: 'open', payload: {} } });
    if (opened.status !== 201) return [`could not open ${stateId}: ${opened.status} ${JSON.stringify(opened.body)}`];
  }
  const observations: Observation[] = [];
  // Each submit's answer, for the operations that refer to it (retries, decisions, dependencies).
  const submitted = schedule.operations.map(() => deferred<Submitted | undefined>());
  const lastSeenVersion = new Map<string, number>(stateIds.map((id) => [id, 1]));
  const mutationIds = new Set<string>();

  const send = async (client: number, principal: string, key: string | null, body: Record<string, unknown>): Promise<HttpAnswer> => {
    const answer = await http('POST', '/v1/mutations', { as: principal, body, headers: key ? { 'idempotency-key': key } : {} });
    observations.push({ client, principal, key, requestFingerprint: JSON.stringify(body), status: answer.status, body: answer.body });
    if (typeof answer.body?.mutationId === 'string') mutationIds.add(answer.body.mutationId);
    const { stateId, stateVersion } = answer.body ?? {};
    if (typeof stateVersion === 'number' && typeof stateId === 'string') lastSeenVersion.set(stateId, Math.max(lastSeenVersion.get(stateId) ?? 0, stateVersion));
    return answer;
  };

  const perform = async (index: number, operation: Operation): Promise<Submitted | undefined> => {
    switch (operation.kind) {
      case 'submit': {
        const principal = REQUESTERS[operation.client % REQUESTERS.length]!;
        const stateId = stateIds[operation.state]!;
        // A dependency is known once its submit answered: wait for it, and leave out the ones refused.
        const dependsOn: string[] = [];
        for (const of of operation.dependsOn) {
          const dependency = of < index ? await submitted[of]!.promise : undefined;
          if (dependency && (dependency.answer.status === 201 || dependency.answer.status === 202)) dependsOn.push(String(dependency.answer.body.mutationId));
        }
        const body: Record<string, unknown> = {
          stateType: 'ledger',
          stateId,
          transition: 'post',
          payload: { entry: `${operation.hold ? 'hold-' : ''}${operation.entry}${index}`, amount: operation.amount },
          ...(operation.expectVersion ? { expectedVersion: lastSeenVersion.get(stateId) } : {}),
          ...(dependsOn.length > 0 ? { dependsOn: [...new Set(dependsOn)] } : {}),
        };
        const key = operation.keyed ? `${prefix}-op-${index}` : null;
        return { principal, key, body, answer: await send(operation.client, principal, key, body) };
      }
      case 'retry': {
        const original = await submitted[operation.of]!.promise;
        if (!original || original.key === null) return undefined;
        await send(operation.client, original.principal, original.key, operation.changeBody ? { ...original.body, reason: 'changed' } : original.body);
        return undefined;
      }
      case 'decide': {
        const original = await submitted[operation.of]!.promise;
        if (!original || original.answer.status !== 202) return undefined;
        await http('POST', `/v1/mutations/${String(original.answer.body.mutationId)}/approvals`, { as: APPROVER, body: { decision: operation.decision } });
        return undefined;
      }
    }
  };

  // Each client runs its operations in order; clients run at once.
  const byClient = new Map<number, number[]>();
  schedule.operations.forEach((operation, index) => byClient.set(operation.client, [...(byClient.get(operation.client) ?? []), index]));
  await Promise.all(
    [...byClient.values()].map(async (indices) => {
      for (const index of indices) {
        try {
          submitted[index]!.resolve(await perform(index, schedule.operations[index]!));
        } catch (error) {
          submitted[index]!.resolve(undefined);
          throw error;
        }
      }
    }),
  );

  // Settle: the requester cancels what still waits for a decision, then the dependency saga
  // plays out until nothing is pending.
  await settle(http, [...mutationIds]);
  return checkProtocol(await readTruth(http, stateIds, [...mutationIds], observations));
}

async function settle(http: Http, mutationIds: string[]): Promise<void> {
  const deadline = Date.now() + PATIENT_WAIT_MS;
  for (;;) {
    const records = await Promise.all(mutationIds.map((id) => http('GET', `/v1/mutations/${id}`, { as: 'alice' })));
    const pending = records.filter((record) => record.status !== 200 || record.body.status === 'pending');
    if (pending.length === 0 || Date.now() > deadline) return;
    for (const record of pending) {
      const waitsForApproval = record.status === 200 && (record.body.requirements ?? []).some((requirement: { kind: string }) => requirement.kind === 'approval');
      if (waitsForApproval) await http('POST', `/v1/mutations/${record.body.mutationId}/cancel`, { as: ADMIN, body: {} });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readTruth(http: Http, stateIds: string[], mutationIds: string[], observations: Observation[]) {
  const head = (await http('GET', '/health', { as: 'alice' })).body?.details?.log?.headPosition ?? 0;
  const histories = new Map<string, AppliedVersion[]>();
  const documents = new Map<string, LedgerDocument>();
  for (const stateId of stateIds) {
    const history = await http('GET', `/v1/states/ledger/${stateId}/history?limit=500&minPosition=${head}`, { as: 'alice' });
    histories.set(stateId, (history.body.items as AppliedVersion[]).map(({ version, mutationId, position }) => ({ version, mutationId, position })).sort((a, b) => a.version - b.version));
    const state = await http('GET', `/v1/states/ledger/${stateId}?minPosition=${head}`, { as: 'alice' });
    documents.set(stateId, state.body.state as LedgerDocument);
  }
  const outcomes = new Map<string, MutationOutcome>();
  // The openings are part of the histories too.
  for (const versions of histories.values()) for (const item of versions) if (item.version === 1) mutationIds.push(item.mutationId);
  for (const mutationId of new Set(mutationIds)) {
    const record = (await http('GET', `/v1/mutations/${mutationId}?minPosition=${head}`, { as: 'alice' })).body;
    outcomes.set(mutationId, {
      mutationId,
      stateId: record.stateId,
      status: record.status,
      payload: record.payload,
      expectedVersion: record.expectedVersion,
      idempotencyKey: record.idempotencyKey,
      dependsOn: record.dependsOn ?? [],
      stateVersion: record.stateVersion,
      outcomeCode: record.outcome?.code ?? null,
      requestedBy: record.actor.id,
    });
  }
  return { histories, documents, outcomes, observations };
}
