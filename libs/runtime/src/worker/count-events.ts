import type { EventStore } from '@countersign/event-store';

/**
 * Counts the log's events of the given types by reading it through the port, page by page from
 * each page's last position, so it holds whether positions are gap-free or not (ADR 0010).
 */
export async function countEventsByType<Type extends string>(
  eventStore: Pick<EventStore, 'readAll'>,
  types: readonly Type[],
  pageSize = 1_000,
): Promise<Record<Type, number>> {
  const counts = Object.fromEntries(types.map((type) => [type, 0])) as Record<Type, number>;
  let after = 0;
  for (;;) {
    const page = await eventStore.readAll({ after, maxCount: pageSize });
    if (page.length === 0) return counts;
    for (const event of page) {
      if (Object.hasOwn(counts, event.type)) counts[event.type as Type] += 1;
    }
    after = page[page.length - 1].position;
  }
}
