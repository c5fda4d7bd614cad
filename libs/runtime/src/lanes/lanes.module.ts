import { Module, type DynamicModule } from '@nestjs/common';
import { CLOCK, ID_GENERATOR, systemClock, uuidGenerator, type Clock, type IdGenerator } from './clock.js';
import { LaneExecutor } from './lane-executor.js';
import { LaneLocks } from './lane-locks.js';
import { LaneRepository } from './lane-repository.js';

/** The write side's lane machinery, shared by the API and the worker (global: one lock table per process). */
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
      ],
      exports: [CLOCK, ID_GENERATOR, LaneLocks, LaneRepository, LaneExecutor],
    };
  }
}
