import { DatabaseModule, LogModule, PrincipalDirectory, ProjectionWorkerModule, ContractRegistry, type CountersignConfig, type Log, type Principal } from '@countersign/runtime';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_CONFIG } from './app-config.js';
import { BearerAuthGuard } from './auth/bearer-auth.guard.js';
import { ListContractsController } from './contracts/list-contracts/list-contracts.controller.js';
import { HealthController } from './health/health.controller.js';
import { ReadYourWrites } from './http/read-your-writes.js';
import { CLOCK, ID_GENERATOR, systemClock, uuidGenerator, type Clock, type IdGenerator } from './lanes/clock.js';
import { LaneLocks } from './lanes/lane-locks.js';
import { LaneRepository } from './lanes/lane-repository.js';
import { Metrics } from './metrics/metrics.js';
import { GetMutationController } from './mutations/get-mutation/get-mutation.controller.js';
import { GetMutationHandler } from './mutations/get-mutation/get-mutation.query.js';
import { ListMutationsController } from './mutations/list-mutations/list-mutations.controller.js';
import { ListMutationsHandler } from './mutations/list-mutations/list-mutations.query.js';
import { SubmitMutationController } from './mutations/submit-mutation/submit-mutation.controller.js';
import { SubmitMutationHandler } from './mutations/submit-mutation/submit-mutation.handler.js';
import { GetStateHistoryController } from './states/get-state-history/get-state-history.controller.js';
import { GetStateHistoryHandler } from './states/get-state-history/get-state-history.query.js';
import { GetStateController } from './states/get-state/get-state.controller.js';
import { GetStateHandler } from './states/get-state/get-state.query.js';

export interface ApiModuleOptions {
  config: CountersignConfig;
  databaseUrl: string;
  principals: readonly Principal[];
  contracts: ContractRegistry;
  log: Log;
  clock?: Clock;
  ids?: IdGenerator;
}

/** The HTTP API; on the embedded default it also runs the projection worker in-process. */
@Module({})
export class ApiModule {
  static register(options: ApiModuleOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        LogModule.forRoot(options.log),
        CqrsModule.forRoot(),
        DatabaseModule.forRoot({ url: options.databaseUrl, poolSize: options.config.poolSize }),
        ...(options.config.runWorker ? [ProjectionWorkerModule] : []),
      ],
      controllers: [
        // Literal routes before parameterised ones of the same prefix.
        ListMutationsController,
        SubmitMutationController,
        GetMutationController,
        GetStateHistoryController,
        GetStateController,
        ListContractsController,
        HealthController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: ContractRegistry, useValue: options.contracts },
        { provide: PrincipalDirectory, useValue: new PrincipalDirectory(options.principals) },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: ID_GENERATOR, useValue: options.ids ?? uuidGenerator },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        LaneLocks,
        LaneRepository,
        Metrics,
        ReadYourWrites,
        SubmitMutationHandler,
        GetMutationHandler,
        ListMutationsHandler,
        GetStateHandler,
        GetStateHistoryHandler,
      ],
    };
  }
}
