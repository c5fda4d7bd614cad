import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { LOG, type Log } from '../log.js';

/** Named places where a crash test may kill the process (COUNTERSIGN_FAULT_POINTS); inert unless configured. */
export type FaultPoint = 'batch.compensation.started' | 'batch.compensation.applied' | 'batch.step.applied';

/**
 * Fault injection for crash-recovery tests: at the first configured point it reaches, the process
 * kills itself with SIGKILL (no shutdown hooks, like a power cut). Never set in production.
 */
@Injectable()
export class FaultPoints {
  private readonly armed: Set<string>;

  constructor(
    @Inject(RUNTIME_CONFIG) config: CountersignConfig,
    @Inject(LOG) private readonly log: Log,
  ) {
    this.armed = new Set(config.faultPoints);
  }

  hit(point: FaultPoint): void {
    if (!this.armed.has(point)) return;
    this.log(`fault point ${point} reached: killing the process (COUNTERSIGN_FAULT_POINTS)`);
    process.kill(process.pid, 'SIGKILL');
  }
}
