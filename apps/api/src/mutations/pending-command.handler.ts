import { decidePending, evolveLane, openRequirements, type PendingCommand, type PendingOutcome } from '@countersign/domain';
import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { ReadModelQueries } from '@countersign/read-models';
import { ContractRegistry, EXECUTION_GATE, ExecutionGate, LaneExecutor, RUNTIME_CONFIG, type CountersignConfig } from '@countersign/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { ApiError, type ErrorCode } from '../http/api-error.js';

/** The answer to a command on a pending mutation. */
export interface PendingCommandAnswer {
  mutationId: string;
  status: string;
  /** False when the command changed nothing (a repeated approval counts once). */
  recorded: boolean;
  note?: string;
  openRequirements: unknown[];
  stateVersion: number | null;
  position: number | null;
}

/**
 * Shared by approve, resolve-check and cancel: find the mutation's lane, run the pure decision
 * on it, append, and answer with the mutation's status and what it still waits for.
 */
@Injectable()
export class PendingCommandHandler {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly contracts: ContractRegistry,
    private readonly lanes: LaneExecutor,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
  ) {}

  /** Commands on pending mutations are executions too: they share the process's capacity (ADR 0006). */
  execute(mutationId: string, correlationId: string, command: (now: string) => PendingCommand): Promise<PendingCommandAnswer> {
    return this.gate.run(() => this.executeNow(mutationId, correlationId, command));
  }

  private async executeNow(mutationId: string, correlationId: string, command: (now: string) => PendingCommand): Promise<PendingCommandAnswer> {
    const address = await this.locate(mutationId);
    const contract = this.contracts.get(address.stateType);
    if (!contract) throw new ApiError('unknown_contract', `the contract "${address.stateType}" is no longer registered`);
    const run = await this.lanes.run(address.stateType, address.stateId, { correlationId, causationId: mutationId }, (lane, now) => {
      const outcome: PendingOutcome = decidePending(command(now), lane, contract, { approvalTtlMs: this.config.approvalTtlMs });
      const events = outcome.kind === 'recorded' ? outcome.events : [];
      const after = events.reduce(evolveLane, lane);
      const pending = after.pending[mutationId];
      return { events, result: { outcome, open: pending ? openRequirements(pending) : [], version: after.version } };
    });
    const { outcome, open, version } = run.result;
    switch (outcome.kind) {
      case 'rejected': {
        if (outcome.error.code === 'mutation_not_pending') {
          // The domain knows when it ended by expiry before the timer fired; otherwise ask the read model.
          const known = outcome.error.details?.status;
          const status = typeof known === 'string' ? known : await this.settledStatus(mutationId);
          throw new ApiError('mutation_not_pending', `mutation ${mutationId} is ${status}, not pending`, { mutationId, status }, { status });
        }
        throw new ApiError(outcome.error.code as ErrorCode, outcome.error.message, outcome.error.details ?? {});
      }
      case 'unchanged':
        return { mutationId, status: 'pending', recorded: false, note: outcome.reason, openRequirements: open, stateVersion: null, position: null };
      case 'recorded':
        return {
          mutationId,
          status: outcome.status,
          recorded: true,
          openRequirements: open,
          stateVersion: outcome.status === 'applied' ? version : null,
          position: run.position ?? null,
        };
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The lane of a mutation, from the read model; waits for projections to catch up with the log once if it is not there yet. */
  private async locate(mutationId: string): Promise<{ stateType: string; stateId: string }> {
    let address = await this.queries.locateMutation(mutationId);
    if (!address) {
      await this.queries.waitForPosition(['mutations'], await this.eventStore.headPosition(), this.config.readWaitTimeoutMs);
      address = await this.queries.locateMutation(mutationId);
    }
    if (!address) throw new ApiError('mutation_not_found', `no mutation ${mutationId}`, { mutationId });
    return address;
  }

  private async settledStatus(mutationId: string): Promise<string> {
    await this.queries.waitForPosition(['mutations'], await this.eventStore.headPosition(), this.config.readWaitTimeoutMs);
    return (await this.queries.locateMutation(mutationId))?.status ?? 'unknown';
  }
}
