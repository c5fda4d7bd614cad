import { InvalidQueryError, type MutationFilters, type MutationRecord, type Page } from '@countersign/read-models';
import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { ListMutationsQueryDto, METADATA_FILTER, METADATA_PARAMETER } from './list-mutations.dto.js';
import { ListMutationsQuery } from './list-mutations.query.js';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';

const validate = envelopeValidationPipe('invalid_query');

@ApiTags('mutations')
@Controller('v1/mutations')
export class ListMutationsController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** Newest first; `{ items, nextCursor }`. */
  @Get()
  @ApiOperation({ operationId: 'listMutations', summary: 'List and filter mutations', description: 'Newest first (requestedAt, then mutationId); filters combine with AND. Unknown parameters are refused.' })
  @ApiQuery({ type: ListMutationsQueryDto })
  @ApiQuery(METADATA_FILTER)
  @ApiAnswer(200, 'MutationPage', 'a page of mutations')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async list(@QueryParams() raw: Record<string, unknown>): Promise<Page<MutationRecord>> {
    const { query, filters } = await parseMutationFilters(raw, ListMutationsQueryDto);
    await this.readYourWrites.await(['mutations'], query.minPosition);
    try {
      return await this.queryBus.execute(new ListMutationsQuery(filters, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor }));
    } catch (error) {
      if (error instanceof InvalidQueryError) throw new ApiError('invalid_query', error.message, { parameter: error.parameter });
      throw error;
    }
  }
}

/** Validates the filter parameters of the list and the export (metadata.<key> included) into MutationFilters. */
export async function parseMutationFilters<Dto extends ListMutationsQueryDto>(
  raw: Record<string, unknown>,
  metatype: new () => Dto,
): Promise<{ query: Dto; filters: MutationFilters }> {
  const { metadata, rest } = splitMetadataParameters(raw);
  const query = (await validate.transform(rest, { type: 'query', metatype })) as Dto;
  const { limit: _limit, cursor: _cursor, minPosition: _minPosition, ...fields } = query as ListMutationsQueryDto;
  const filters: MutationFilters = { ...fields, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) };
  delete (filters as Record<string, unknown>).format;
  if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
    throw new ApiError('invalid_query', 'from must be before to', { parameter: 'from' });
  }
  if (filters.blastRadiusMin !== undefined && filters.blastRadiusMax !== undefined && filters.blastRadiusMin > filters.blastRadiusMax) {
    throw new ApiError('invalid_query', 'blastRadiusMin must not exceed blastRadiusMax', { parameter: 'blastRadiusMin' });
  }
  return { query, filters };
}

/** Takes the `metadata.<key>=<value>` (or `metadata[<key>]=<value>`) parameters out (one value each); the rest is validated as the DTO. */
function splitMetadataParameters(raw: Record<string, unknown>): { metadata: Record<string, string>; rest: Record<string, unknown> } {
  const metadata: Record<string, string> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!name.startsWith('metadata.') && !name.startsWith('metadata[')) {
      rest[name] = value;
      continue;
    }
    const match = METADATA_PARAMETER.exec(name);
    const key = match?.[1] ?? match?.[2];
    if (key === undefined) throw new ApiError('invalid_query', `${name}: metadata keys are 1-64 letters, digits, _ : -`, { parameter: name });
    if (typeof value !== 'string' || value.length > 200) throw new ApiError('invalid_query', `${name} must be given once, at most 200 characters`, { parameter: name });
    if (Object.keys(metadata).length >= 10) throw new ApiError('invalid_query', 'at most 10 metadata filters', { parameter: name });
    metadata[key] = value;
  }
  return { metadata, rest };
}
