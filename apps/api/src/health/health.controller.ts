import { EVENT_STORE, type EventStore } from '@countersign/event-store';
import { allProjections, ParkedEvents, ReadModelQueries } from '@countersign/read-models';
import { EXECUTION_GATE, type ExecutionGate } from '@countersign/runtime';
import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { Metrics } from '../metrics/metrics.js';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../http/api-error.schema.js';
import { ApiAnswer, ApiContentAnswer } from '../openapi/api-answer.decorator.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly queries: ReadModelQueries,
    private readonly metrics: Metrics,
    @Inject(EXECUTION_GATE) private readonly gate: ExecutionGate,
    private readonly parked: ParkedEvents,
  ) {}

  /** Liveness and readiness: database reachable, log head and each projection's lag. 503 when the database is down. */
  @Public()
  @Get('health')
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness and readiness (no token)', description: "Database reachable, the log head, each projection's lag, this process's execution gate." })
  @ApiAnswer(200, 'Health', 'healthy')
  @ApiAnswer(503, 'HealthUnavailable', 'PostgreSQL is unreachable')
  @ApiErrors([], { database: false })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      const [head, checkpoints, parked] = await Promise.all([this.eventStore.headPosition(), this.queries.checkpoints(), this.parked.list()]);
      const projections = checkpoints.map((checkpoint) => ({
        ...checkpoint,
        lag: Math.max(0, head - checkpoint.position),
        parked: parked.filter((event) => event.projection === checkpoint.projection).length,
      }));
      return {
        status: 'ok',
        details: { database: 'up', log: { headPosition: head }, projections, executions: { running: this.gate.executing, queued: this.gate.queued, limit: this.gate.limit } },
      };
    } catch {
      void reply.status(503);
      return { status: 'unavailable', details: { database: 'down', message: 'database unreachable' } };
    }
  }

  /** Prometheus text format. */
  @Get('metrics')
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics' })
  @ApiContentAnswer(200, { 'text/plain': { type: 'string', description: 'Prometheus text format 0.0.4' } }, 'the metrics')
  @ApiErrors([...ROUTE_ERRORS.authenticated])
  @Header('content-type', 'text/plain; version=0.0.4')
  async render(): Promise<string> {
    const [head, checkpoints, parked] = await Promise.all([this.eventStore.headPosition(), this.queries.checkpoints(), this.parked.list()]);
    this.metrics.set('countersign_log_head_position', {}, head);
    // Every projection has its series from the start: one that has not run yet (no checkpoint row) is at 0.
    const positions = new Map([...allProjections.map((projection): [string, number] => [projection.name, 0]), ...checkpoints.map((checkpoint): [string, number] => [checkpoint.projection, checkpoint.position])]);
    for (const [projection, position] of positions) {
      this.metrics.set('countersign_projection_position', { projection }, position);
      this.metrics.set('countersign_projection_lag_events', { projection }, Math.max(0, head - position));
      this.metrics.set('countersign_parked_events', { projection }, parked.filter((event) => event.projection === projection).length);
    }
    this.metrics.set('countersign_executions_running', {}, this.gate.executing);
    this.metrics.set('countersign_executions_queued', {}, this.gate.queued);
    this.metrics.set('countersign_executions_limit', {}, this.gate.limit);
    return this.metrics.render();
  }
}
