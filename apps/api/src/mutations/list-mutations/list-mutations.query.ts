import { ReadModelQueries, type MutationFilters, type MutationRecord, type Page, type PageRequest } from '@countersign/read-models';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

export class ListMutationsQuery extends Query<Page<MutationRecord>> {
  constructor(
    readonly filters: MutationFilters,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(ListMutationsQuery)
export class ListMutationsHandler implements IQueryHandler<ListMutationsQuery, Page<MutationRecord>> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: ListMutationsQuery): Promise<Page<MutationRecord>> {
    return this.queries.listMutations(query.filters, query.page);
  }
}
