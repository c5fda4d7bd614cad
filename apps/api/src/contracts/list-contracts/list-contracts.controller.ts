import { ContractRegistry } from '@countersign/runtime';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiAnswer } from '../../openapi/api-answer.decorator.js';

@ApiTags('contracts')
@Controller('v1/contracts')
export class ListContractsController {
  constructor(private readonly contracts: ContractRegistry) {}

  /** Registered contracts with their state schema, transitions (payload schemas) and policies. */
  @Get()
  @ApiOperation({ operationId: 'listContracts', summary: 'Registered contracts', description: 'Their state schemas, transitions with payload schemas, policies and side-effect types.' })
  @ApiAnswer(200, 'ContractList', 'the contracts')
  @ApiErrors([...ROUTE_ERRORS.authenticated], { database: false })
  list() {
    return { items: this.contracts.describe() };
  }
}
