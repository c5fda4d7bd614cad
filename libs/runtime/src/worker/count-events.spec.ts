import { describe, expect, it } from '@jest/globals';
import type { ReadAllOptions, RecordedEvent } from '@countersign/event-store';
import { countEventsByType } from './count-events.js';

function logWithGaps(types: string[]): RecordedEvent[] {
  // Positions as EventStoreDB gives them: ascending byte offsets, far from consecutive.
  return types.map((type, index) => ({
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    type,
    data: {},
    metadata: {},
    streamName: 'state-flag:a',
    streamRevision: index,
    position: 1_000 + index * 377,
    recordedAt: new Date(0),
  }));
}

describe('countEventsByType', () => {
  it('counts every event of the asked types over many pages of a log whose positions have gaps', async () => {
    const log = logWithGaps(['MutationRequested', 'MutationApplied', 'MutationFinished', 'MutationRequested', 'MutationPending', 'MutationApplied', 'MutationRequested']);
    const reads: ReadAllOptions[] = [];
    const store = {
      async readAll(options: ReadAllOptions = {}) {
        reads.push(options);
        return log.filter((event) => event.position > (options.after ?? 0)).slice(0, options.maxCount);
      },
    };

    expect(await countEventsByType(store, ['MutationRequested', 'MutationApplied'], 2)).toEqual({ MutationRequested: 3, MutationApplied: 2 });
    expect(reads.map((read) => read.after)).toEqual([0, 1_377, 2_131, 2_885, 3_262]);
  });

  it('answers zeros for an empty log', async () => {
    expect(await countEventsByType({ readAll: async () => [] }, ['MutationRequested'])).toEqual({ MutationRequested: 0 });
  });
});
