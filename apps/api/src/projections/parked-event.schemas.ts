import type { ParkedEvent } from '@countersign/read-models';
import { arrayOf, constant, integer, objectOf, ref, string, timestamp, uuid, type Schema } from '../openapi/schema-builders.js';

export const PARKED_EVENT_SCHEMAS: Record<string, Schema> = {
  ParkedEvent: objectOf<ParkedEvent>(
    {
      projection: string(),
      position: integer({ minimum: 1 }),
      eventId: uuid(),
      streamName: string(),
      eventType: string(),
      error: string(),
      attempts: integer({ minimum: 1 }),
      parkedAt: timestamp(),
      lastAttemptAt: timestamp(),
    },
    { description: 'an event a projection could not apply, parked so the projection keeps going' },
  ),
  ParkedEventList: objectOf<{ items: unknown }>({ items: arrayOf(ref('ParkedEvent'), { description: 'oldest first' }) }),
  ParkedEventRetried: objectOf<{ status: 'applied'; event: ParkedEvent }>({ status: constant('applied'), event: ref('ParkedEvent') }),
};
