import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { allProjections, ProjectionRunner, type RebuildProgress } from '@countersign/read-models';
import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import { PendingCommands } from '../lanes/pending-commands.js';
import { LOG, type Log } from '../log.js';
import { TimerWorker } from './timer-worker.js';
import { BatchWorker } from './batch-worker.js';
import { SideEffectWorker } from './side-effect-worker.js';
import { SIDE_EFFECT_DELIVERER } from '../side-effects/side-effect-deliverer.port.js';
import { WebhookDeliverer } from '../side-effects/webhook-deliverer.js';

/** Runs every read-model projection in this process (api on the embedded default, or the worker app). */
@Injectable()
export class ProjectionWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly runners: ProjectionRunner[];

  constructor(
    dataSource: DataSource,
    @Inject(EVENT_STORE) eventStore: EventStore,
    @Inject(LOG) log: Log,
    @Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig,
  ) {
    this.runners = allProjections.map((projection) => new ProjectionRunner(dataSource, eventStore, projection, { log }));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorker) return;
    for (const runner of this.runners) await runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  async rebuild(name: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildProgress> {
    const runner = this.runners.find((candidate) => candidate.name === name);
    if (!runner) throw new Error(`unknown projection "${name}"; known: ${this.runners.map((candidate) => candidate.name).join(', ')}`);
    return runner.rebuild(onProgress);
  }
}

/** Projections, durable timers, batch sagas and side-effect delivery: the worker's share of a process. */
@Module({
  providers: [ProjectionWorker, PendingCommands, TimerWorker, BatchWorker, { provide: SIDE_EFFECT_DELIVERER, useClass: WebhookDeliverer }, SideEffectWorker],
  exports: [ProjectionWorker, TimerWorker, BatchWorker, SideEffectWorker],
})
export class ProjectionWorkerModule {}
