import { Module, type DynamicModule } from '@nestjs/common';
import { RUNTIME_CONFIG, type CountersignConfig } from './config/countersign-config.js';
import { ContractRegistry } from './contracts/contract-registry.js';
import { LOG, type Log } from './log.js';

/** Process-wide values every module may inject: configuration, log, contract registry. */
@Module({})
export class RuntimeModule {
  static forRoot(options: { config: CountersignConfig; log: Log; contracts: ContractRegistry }): DynamicModule {
    return {
      module: RuntimeModule,
      global: true,
      providers: [
        { provide: RUNTIME_CONFIG, useValue: options.config },
        { provide: LOG, useValue: options.log },
        { provide: ContractRegistry, useValue: options.contracts },
      ],
      exports: [RUNTIME_CONFIG, LOG, ContractRegistry],
    };
  }
}
