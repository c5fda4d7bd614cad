import { Module, type DynamicModule } from '@nestjs/common';
import { LOG, type Log } from './log.js';

/** Makes the process's line logger injectable everywhere. */
@Module({})
export class LogModule {
  static forRoot(log: Log): DynamicModule {
    return { module: LogModule, global: true, providers: [{ provide: LOG, useValue: log }], exports: [LOG] };
  }
}
