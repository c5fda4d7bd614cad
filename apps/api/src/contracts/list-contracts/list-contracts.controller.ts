import { ContractRegistry } from '@countersign/runtime';
import { Controller, Get } from '@nestjs/common';

@Controller('v1/contracts')
export class ListContractsController {
  constructor(private readonly contracts: ContractRegistry) {}

  /** Registered contracts with their state schema, transitions (payload schemas) and policies. */
  @Get()
  list() {
    return { items: this.contracts.describe() };
  }
}
