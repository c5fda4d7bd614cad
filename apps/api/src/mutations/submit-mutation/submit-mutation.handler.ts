import { decideSubmit, domainError, submitEvents, type JsonObject, type MutationStatus } from '@countersign/domain';
import { EVENT_STORE, IdempotencyMismatchError, type EventStore } from '@countersign/event-store';
import { ReadModelQueries } from '@countersign/read-models';
import { ContractRegistry, LaneExecutor, parseDuration, type CountersignConfig } from '@countersign/runtime';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG } from '../../app-config.js';
import { ApiError } from '../../http/api-error.js';
import { Metrics } from '../../metrics/metrics.js';
import { outcomeLabel, SubmitMutationCommand, submitResult, type SubmitMutationResult } from './submit-mutation.command.js';

/** The mutation id is already in the log: an earlier attempt with the same idempotency key recorded it. */
export class MutationAlreadyRecordedError extends Error {
  constructor(readonly mutationId: string) {
    super(`mutation ${mutationId} is already recorded`);
  }
}

/** Load the lane, decide with the pure domain, append with the expected revision. */
@CommandHandler(SubmitMutationCommand)
export class SubmitMutationHandler implements ICommandHandler<SubmitMutationCommand, SubmitMutationResult> {
  constructor(
    private readonly contracts: ContractRegistry,
    private readonly lanes: LaneExecutor,
    private readonly metrics: Metrics,
    private readonly queries: ReadModelQueries,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(APP_CONFIG) private readonly config: CountersignConfig,
  ) {}

  async execute(command: SubmitMutationCommand): Promise<SubmitMutationResult> {
    const result = await this.submit(command);
    this.metrics.increment('countersign_mutations_submitted_total', { outcome: outcomeLabel(result) });
    return result;
  }

  private async submit({ request, actor, correlationId, mutationId: chosenId }: SubmitMutationCommand): Promise<SubmitMutationResult> {
    const contract = this.contracts.get(request.stateType);
    if (!contract) {
      return {
        kind: 'rejected',
        error: domainError('unknown_contract', `no contract is registered for stateType "${request.stateType}"`, { stateTypes: this.contracts.stateTypes() }),
      };
    }
    const dependencyTimeoutMs = request.dependencyTimeout === undefined ? undefined : parseTimeout(request.dependencyTimeout);
    const dependencyStatuses = await this.dependencyStatuses(request.dependsOn ?? []);
    const mutationId = chosenId ?? this.lanes.newId();
    let run;
    try {
      run = await this.lanes.run(
        request.stateType,
        request.stateId,
        { correlationId, causationId: mutationId },
        (lane, now) => {
          const outcome = decideSubmit(
            {
              type: 'SubmitMutation',
              mutationId,
              stateId: request.stateId,
              transition: request.transition,
              payload: request.payload,
              actor,
              reason: request.reason,
              expectedVersion: request.expectedVersion,
              expectedPlanHash: request.expectedPlanHash,
              idempotencyKey: request.idempotencyKey,
              dependsOn: request.dependsOn,
              dependencyStatuses,
              dependencyTimeoutMs,
              notBefore: request.notBefore,
              classification: {
                category: request.category,
                riskLevel: request.riskLevel,
                sideEffectSeverity: request.sideEffectSeverity,
                tags: request.tags,
                metadata: request.metadata as JsonObject | undefined,
                estimatedBlastRadius: request.estimatedBlastRadius,
              },
              dryRun: request.dryRun,
              now,
            },
            lane,
            contract,
            { approvalTtlMs: this.config.approvalTtlMs, dependencyTimeoutMs: this.config.dependencyTimeoutMs },
          );
          return { events: submitEvents(outcome), result: outcome };
        },
        () => this.metrics.increment('countersign_lane_append_retries_total'),
      );
    } catch (error) {
      // The request event's id is the mutation id: the store refuses to record it a second time.
      if (error instanceof IdempotencyMismatchError) throw new MutationAlreadyRecordedError(mutationId);
      throw error;
    }
    return submitResult(run.result, mutationId, run.position ?? 0);
  }

  /**
   * The status of each dependency as the log stands now: waits for the mutations read model to
   * reach the log's head once, so a dependency submitted just before is known. Ids that are not
   * known stay out, and the domain rejects them.
   */
  private async dependencyStatuses(dependsOn: readonly string[]): Promise<Record<string, MutationStatus>> {
    if (dependsOn.length === 0) return {};
    const head = await this.eventStore.headPosition();
    const caughtUp = await this.queries.waitForPosition(['mutations'], head, this.config.readWaitTimeoutMs);
    if (!caughtUp) throw new ApiError('projection_lag', 'the read models are behind the log; dependencies cannot be checked yet, retry shortly');
    return (await this.queries.mutationStatuses([...new Set(dependsOn)])) as Record<string, MutationStatus>;
  }
}

function parseTimeout(text: string): number {
  try {
    return parseDuration(text, 'dependencyTimeout');
  } catch (error) {
    throw new ApiError('invalid_request', error instanceof Error ? error.message : 'dependencyTimeout is not a duration', { field: 'dependencyTimeout' });
  }
}
