import { SIDE_EFFECT_STATUSES, type SideEffectRecord } from '@countersign/read-models';
import { anyJson, integer, logPosition, nullable, objectOf, oneOfValues, pageOf, ref, string, timestamp, uuid, type Schema } from '../openapi/schema-builders.js';

export const SIDE_EFFECT_SCHEMAS: Record<string, Schema> = {
  SideEffect: objectOf<SideEffectRecord>(
    {
      deliveryId: uuid('stable across retries: receivers deduplicate on it'),
      type: string(),
      data: anyJson('validated against the schema the contract registered for the type'),
      mutationId: uuid(),
      stateType: string(),
      stateId: string(),
      compensates: nullable(uuid()),
      status: oneOfValues(SIDE_EFFECT_STATUSES),
      attempts: integer({ minimum: 0 }),
      lastError: nullable(string()),
      lastStatus: nullable(integer({ description: 'the HTTP status of the last attempt' })),
      emittedAt: timestamp(),
      nextAttemptAt: nullable(timestamp()),
      deliveredAt: nullable(timestamp()),
      deadAt: nullable(timestamp()),
      position: logPosition('the log position of the change that emitted it'),
    },
    { description: 'a side effect and where its delivery stands' },
  ),
  SideEffectPage: pageOf(ref('SideEffect'), 'newest first'),
};
