import { Module, type DynamicModule } from '@nestjs/common';
import { CLOCK, ID_GENERATOR, systemClock, uuidGenerator, type Clock, type IdGenerator } from './clock.js';
import { LaneExecutor } from './lane-executor.js';
import { LaneLocks } from './lane-locks.js';
import { LaneRepository } from './lane-repository.js';
import { EXECUTION_GATE, executionGateProvider } from '../protocol/execution-gate.js';
import { IdempotencyStore } from '../protocol/idempotency-store.js';
import { BatchCommands } from '../batches/batch-commands.js';
import { BatchSagaRunner } from '../batches/batch-saga-runner.js';
import { FaultPoints } from '../batches/fault-points.js';

/** The write side's lane machinery, batch sagas, idempotency keys and the execution gate, shared by the API and the worker (global: one lock table and one gate per process). */
@Module({})
export class LanesModule {
  static forRoot(options: { clock?: Clock; ids?: IdGenerator } = {}): DynamicModule {
    return {
      module: LanesModule,
      global: true,
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: ID_GENERATOR, useValue: options.ids ?? uuidGenerator },
        LaneLocks,
        LaneRepository,
        LaneExecutor,
        IdempotencyStore,
        executionGateProvider(),
        FaultPoints,
        BatchSagaRunner,
        BatchCommands,
      ],
      exports: [CLOCK, ID_GENERATOR, LaneLocks, LaneRepository, LaneExecutor, IdempotencyStore, EXECUTION_GATE, FaultPoints, BatchSagaRunner, BatchCommands],
    };
  }
}
