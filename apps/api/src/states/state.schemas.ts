import type { StateHistoryItem, StateRecord } from '@countersign/read-models';
import { anyJson, arrayOf, integer, logPosition, objectOf, pageOf, ref, string, timestamp, uuid, type Schema } from '../openapi/schema-builders.js';

export const STATE_SCHEMAS: Record<string, Schema> = {
  State: objectOf<StateRecord>(
    {
      state: anyJson('the state document'),
      version: integer({ minimum: 1, description: 'the number of applied changes (gap-free)' }),
      stateType: string(),
      stateId: string(),
      lastMutationId: uuid('the mutation that produced this version'),
      updatedAt: timestamp(),
      position: logPosition('the log position of that change'),
    },
    { description: '`{ state, version }` and when and by which mutation it last changed' },
  ),
  StateHistoryItem: objectOf<StateHistoryItem>({
    version: integer({ minimum: 1 }),
    mutationId: uuid(),
    transition: string(),
    diff: arrayOf(ref('DiffEntry')),
    actor: ref('ActorRef'),
    appliedAt: timestamp(),
    position: logPosition('the log position of the change'),
  }),
  StateHistoryPage: pageOf(ref('StateHistoryItem'), 'one item per applied version, oldest first'),
};
