import type { MutationRecord, TimelineEntry } from '@countersign/read-models';
import { ReadModelQueries } from '@countersign/read-models';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

export type MutationView = MutationRecord & { timeline: TimelineEntry[] };

export class GetMutationQuery extends Query<MutationView | null> {
  constructor(readonly mutationId: string) {
    super();
  }
}

@QueryHandler(GetMutationQuery)
export class GetMutationHandler implements IQueryHandler<GetMutationQuery, MutationView | null> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: GetMutationQuery): Promise<MutationView | null> {
    return this.queries.getMutation(query.mutationId);
  }
}
