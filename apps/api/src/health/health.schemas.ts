import { constant, integer, logPosition, objectOf, string, arrayOf, timestamp, type Schema } from '../openapi/schema-builders.js';

type ProjectionHealth = { projection: string; position: number; updatedAt: string; lag: number; parked: number };

export const HEALTH_SCHEMAS: Record<string, Schema> = {
  Health: objectOf<{ status: 'ok'; details: unknown }>({
    status: constant('ok'),
    details: objectOf<{ database: 'up'; log: unknown; projections: unknown; executions: unknown }>({
      database: constant('up'),
      log: objectOf<{ headPosition: number }>({ headPosition: logPosition('the highest committed position in the log') }),
      projections: arrayOf(
        objectOf<ProjectionHealth>({
          projection: string(),
          position: logPosition('the last position it applied'),
          updatedAt: timestamp(),
          lag: integer({ minimum: 0, description: 'events between the log head and the projection' }),
          parked: integer({ minimum: 0, description: 'poison events it parked' }),
        }),
      ),
      executions: objectOf<{ running: number; queued: number; limit: number }>(
        { running: integer({ minimum: 0 }), queued: integer({ minimum: 0 }), limit: integer({ minimum: 1 }) },
        { description: "this process's execution gate" },
      ),
    }),
  }),
  HealthUnavailable: objectOf<{ status: 'unavailable'; details: unknown }>({
    status: constant('unavailable'),
    details: objectOf<{ database: 'down'; message: string }>({ database: constant('down'), message: string() }),
  }),
};
