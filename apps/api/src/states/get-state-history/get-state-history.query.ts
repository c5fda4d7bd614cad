import { ReadModelQueries, type Page, type PageRequest, type StateHistoryItem } from '@countersign/read-models';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

export class GetStateHistoryQuery extends Query<Page<StateHistoryItem>> {
  constructor(
    readonly stateType: string,
    readonly stateId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(GetStateHistoryQuery)
export class GetStateHistoryHandler implements IQueryHandler<GetStateHistoryQuery, Page<StateHistoryItem>> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: GetStateHistoryQuery): Promise<Page<StateHistoryItem>> {
    return this.queries.stateHistory(query.stateType, query.stateId, query.page);
  }
}
