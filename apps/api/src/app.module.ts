import {
  ContractRegistry,
  DatabaseModule,
  LanesModule,
  RuntimeModule,
  PrincipalDirectory,
  ProjectionWorkerModule,
  type Clock,
  type CountersignConfig,
  type IdGenerator,
  type Log,
  type Principal,
} from '@countersign/runtime';
import type { EventStore } from '@countersign/event-store';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { BearerAuthGuard } from './auth/bearer-auth.guard.js';
import { ListPendingApprovalsController, ListPendingApprovalsHandler } from './approvals/list-pending-approvals/list-pending-approvals.controller.js';
import { ApproveMutationController } from './mutations/approve-mutation/approve-mutation.controller.js';
import { ApproveMutationHandler } from './mutations/approve-mutation/approve-mutation.command.js';
import { CancelMutationController } from './mutations/cancel-mutation/cancel-mutation.controller.js';
import { CancelMutationHandler } from './mutations/cancel-mutation/cancel-mutation.command.js';
import { PendingCommandHandler } from './mutations/pending-command.handler.js';
import { SubmitBatchController } from './batches/submit-batch/submit-batch.controller.js';
import { SubmitBatchHandler } from './batches/submit-batch/submit-batch.handler.js';
import { GetBatchController, GetBatchHandler } from './batches/get-batch/get-batch.controller.js';
import { ListBatchesController, ListBatchesHandler } from './batches/list-batches/list-batches.controller.js';
import { BatchCommandsController } from './batches/batch-commands/batch-commands.controller.js';
import { SideEffectsController } from './side-effects/side-effects.controller.js';
import { MutationLocator } from './mutations/mutation-locator.js';
import { RevertMutationController } from './mutations/revert-mutation/revert-mutation.controller.js';
import { RevertMutationHandler } from './mutations/revert-mutation/revert-mutation.handler.js';
import { ResolveCheckController } from './mutations/resolve-check/resolve-check.controller.js';
import { ResolveCheckHandler } from './mutations/resolve-check/resolve-check.command.js';
import { ListContractsController } from './contracts/list-contracts/list-contracts.controller.js';
import { ApprovalDecisionsController, ListApprovalDecisionsHandler } from './approvals/approval-decisions.controller.js';
import { ExportMutationsController } from './mutations/export-mutations/export-mutations.controller.js';
import { RiskReportController, RiskReportHandler } from './reports/risk-report.controller.js';
import { ParkedEventsController } from './projections/parked-events.controller.js';
import { HealthController } from './health/health.controller.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { OpenApiDocument } from './openapi/openapi-document.js';
import { ReadYourWrites } from './http/read-your-writes.js';
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
  /** The event store when it is not PostgreSQL's (EVENTSTORE_CONNECTION_STRING, see openEventStore). */
  eventStore?: EventStore;
}

/** The HTTP API; on the embedded default it also runs the projection worker in-process. */
@Module({})
export class ApiModule {
  static register(options: ApiModuleOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        RuntimeModule.forRoot({ config: options.config, log: options.log, contracts: options.contracts }),
        CqrsModule.forRoot(),
        LanesModule.forRoot({ clock: options.clock, ids: options.ids }),
        DatabaseModule.forRoot({ url: options.databaseUrl, poolSize: options.config.poolSize, eventStore: options.eventStore }),
        ...(options.config.runWorker ? [ProjectionWorkerModule] : []),
      ],
      controllers: [
        // Literal routes before parameterised ones of the same prefix.
        ListMutationsController,
        ExportMutationsController,
        SubmitMutationController,
        GetMutationController,
        GetStateHistoryController,
        GetStateController,
        ApproveMutationController,
        ResolveCheckController,
        CancelMutationController,
        RevertMutationController,
        ListBatchesController,
        SubmitBatchController,
        GetBatchController,
        BatchCommandsController,
        SideEffectsController,
        ListPendingApprovalsController,
        ApprovalDecisionsController,
        ListContractsController,
        ParkedEventsController,
        RiskReportController,
        HealthController,
        OpenApiController,
      ],
      providers: [
        { provide: PrincipalDirectory, useValue: new PrincipalDirectory(options.principals) },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        Metrics,
        OpenApiDocument,
        ReadYourWrites,
        SubmitMutationHandler,
        GetMutationHandler,
        ListMutationsHandler,
        GetStateHandler,
        GetStateHistoryHandler,
        PendingCommandHandler,
        ApproveMutationHandler,
        ResolveCheckHandler,
        CancelMutationHandler,
        MutationLocator,
        RevertMutationHandler,
        SubmitBatchHandler,
        GetBatchHandler,
        ListBatchesHandler,
        ListPendingApprovalsHandler,
        RiskReportHandler,
        ListApprovalDecisionsHandler,
      ],
    };
  }
}
