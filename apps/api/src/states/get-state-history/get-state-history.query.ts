import { ReadModelQueries, type Page, type PageRequest, type StateHistoryItem } from '@countersign/read-models';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

/** Null when the state has no history: it does not exist. */
export class GetStateHistoryQuery extends Query<Page<StateHistoryItem> | null> {
  constructor(
    readonly stateType: string,
    readonly stateId: string,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(GetStateHistoryQuery)
export class GetStateHistoryHandler implements IQueryHandler<GetStateHistoryQuery, Page<StateHistoryItem> | null> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: GetStateHistoryQuery): Promise<Page<StateHistoryItem> | null> {
    return this.queries.stateHistory(query.stateType, query.stateId, query.page);
  }
}
