import { DatabaseModule, LogModule, ProjectionWorkerModule, type Log } from '@countersign/runtime';
import { Module, type DynamicModule } from '@nestjs/common';

/** The worker process: projections (and, in later releases, sagas and timers); no HTTP. */
@Module({})
export class WorkerModule {
  static register(options: { databaseUrl: string; poolSize: number; log: Log }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [LogModule.forRoot(options.log), DatabaseModule.forRoot({ url: options.databaseUrl, poolSize: options.poolSize }), ProjectionWorkerModule],
    };
  }
}
