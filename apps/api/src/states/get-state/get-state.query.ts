import { ReadModelQueries, type StateRecord } from '@countersign/read-models';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';

export class GetStateQuery extends Query<StateRecord | null> {
  constructor(
    readonly stateType: string,
    readonly stateId: string,
  ) {
    super();
  }
}

@QueryHandler(GetStateQuery)
export class GetStateHandler implements IQueryHandler<GetStateQuery, StateRecord | null> {
  constructor(private readonly queries: ReadModelQueries) {}

  execute(query: GetStateQuery): Promise<StateRecord | null> {
    return this.queries.getState(query.stateType, query.stateId);
  }
}
