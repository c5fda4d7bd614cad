import { decideBatchAdmission, laneHistory, type LaneHistory, type LaneState } from '@countersign/domain';
import { BatchSagaRunner, CLOCK, ContractRegistry, ID_GENERATOR, LaneRepository, LOG, RUNTIME_CONFIG, type Clock, type CountersignConfig, type IdGenerator, type Log } from '@countersign/runtime';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SubmitBatchCommand, type SubmitBatchResult } from './submit-batch.command.js';

/**
 * Load the lanes the steps touch, admit with the pure domain (plan and govern every step),
 * record the batch's stream, and drive its saga at once when nothing holds it. A failure while
 * driving it leaves the batch running: the worker resumes it.
 */
@CommandHandler(SubmitBatchCommand)
export class SubmitBatchHandler implements ICommandHandler<SubmitBatchCommand, SubmitBatchResult> {
  constructor(
    private readonly contracts: ContractRegistry,
    private readonly lanes: LaneRepository,
    private readonly sagas: BatchSagaRunner,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
    @Inject(LOG) private readonly log: Log,
  ) {}

  async execute({ request, actor, correlationId }: SubmitBatchCommand): Promise<SubmitBatchResult> {
    const loaded = new Map<string, LaneState>();
    const histories = new Map<string, LaneHistory>();
    for (const step of request.steps) {
      const key = `${step.stateType}\u0000${step.stateId}`;
      if (loaded.has(key) || !this.contracts.get(step.stateType)) continue;
      const lane = await this.lanes.load(step.stateType, step.stateId);
      loaded.set(key, lane.lane);
      if (step.kind === 'compensation') histories.set(key, laneHistory(await this.lanes.history(lane)));
    }
    const batchId = this.ids.next();
    const admission = decideBatchAdmission(
      {
        type: 'SubmitBatch',
        batchId,
        mode: request.mode,
        actor,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        steps: request.steps,
        mutationIds: request.steps.map(() => this.ids.next()),
        ...(request.revertOf !== undefined ? { revertOf: request.revertOf } : {}),
        now: this.clock.now().toISOString(),
      },
      {
        contract: (stateType) => this.contracts.get(stateType),
        lane: (stateType, stateId) => loaded.get(`${stateType}\u0000${stateId}`) as LaneState,
        history: (stateType, stateId) => histories.get(`${stateType}\u0000${stateId}`) ?? laneHistory([]),
      },
      { approvalTtlMs: this.config.approvalTtlMs },
    );
    if (admission.kind === 'rejected') return admission;
    let { position } = await this.sagas.append(batchId, 'no_stream', admission.events, correlationId);
    let state = admission.state;
    if (state.status === 'running') {
      try {
        const advanced = await this.sagas.advance(batchId, correlationId);
        state = advanced.state;
        position = advanced.position ?? position;
      } catch (error) {
        this.log(`batch ${batchId}: saga stopped (a worker resumes it): ${error instanceof Error ? error.message : String(error)}`);
        state = (await this.sagas.load(batchId)).state;
      }
    }
    return { kind: 'recorded', state, position };
  }
}
