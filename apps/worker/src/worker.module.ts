import type { EventStore } from '@countersign/event-store';
import { ContractRegistry, DatabaseModule, LanesModule, ProjectionWorkerModule, RuntimeModule, type CountersignConfig, type Log } from '@countersign/runtime';
import { Module, type DynamicModule } from '@nestjs/common';

/** The worker process: projections and durable timers; no HTTP. */
@Module({})
export class WorkerModule {
  static register(options: { databaseUrl: string; config: CountersignConfig; contracts: ContractRegistry; log: Log; eventStore?: EventStore }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        RuntimeModule.forRoot({ config: options.config, log: options.log, contracts: options.contracts }),
        DatabaseModule.forRoot({ url: options.databaseUrl, poolSize: options.config.poolSize, eventStore: options.eventStore }),
        LanesModule.forRoot(),
        ProjectionWorkerModule,
      ],
    };
  }
}
