import { Controller, Get, Param, ParseUUIDPipe, Query as QueryParams } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiError } from '../../http/api-error.js';
import { ReadOptionsDto } from '../../http/pagination.dto.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { envelopeValidationPipe } from '../../http/validation.js';
import { GetMutationQuery, type MutationView } from './get-mutation.query.js';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';

@ApiTags('mutations')
@Controller('v1/mutations')
export class GetMutationController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /** The mutation's record and its timeline (every lifecycle event, in log order). */
  @Get(':id')
  @ApiOperation({ operationId: 'getMutation', summary: 'A mutation and its timeline', description: 'The record and every lifecycle event, in log order.' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the mutationId' })
  @ApiAnswer(200, 'MutationView', 'the mutation')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.path, ...ROUTE_ERRORS.read, 'mutation_not_found'])
  async get(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ApiError('invalid_request', 'mutation id must be a uuid', { field: 'id' }) })) id: string,
    @QueryParams(envelopeValidationPipe('invalid_query')) options: ReadOptionsDto,
  ): Promise<MutationView> {
    await this.readYourWrites.await(['mutations'], options.minPosition);
    const mutation = await this.queryBus.execute(new GetMutationQuery(id));
    if (!mutation) throw new ApiError('mutation_not_found', `no mutation ${id}`, { mutationId: id });
    return mutation;
  }
}
