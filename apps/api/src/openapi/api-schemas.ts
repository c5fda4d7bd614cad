import { APPROVAL_SCHEMAS } from '../approvals/approval.schemas.js';
import { BATCH_SCHEMAS } from '../batches/batch.schemas.js';
import { CONTRACT_SCHEMAS } from '../contracts/list-contracts/contract.schemas.js';
import { HEALTH_SCHEMAS } from '../health/health.schemas.js';
import { ERROR_SCHEMAS } from '../http/api-error.schema.js';
import { MUTATION_SCHEMAS } from '../mutations/mutation.schemas.js';
import { PARKED_EVENT_SCHEMAS } from '../projections/parked-event.schemas.js';
import { RISK_REPORT_SCHEMAS } from '../reports/risk-report.schemas.js';
import { SIDE_EFFECT_SCHEMAS } from '../side-effects/side-effect.schemas.js';
import { STATE_SCHEMAS } from '../states/state.schemas.js';
import type { Schema } from './schema-builders.js';

/** The answer schemas of every route, by component name (request bodies come from the DTO classes). */
export const API_SCHEMAS: Record<string, Schema> = {
  ...ERROR_SCHEMAS,
  ...MUTATION_SCHEMAS,
  ...STATE_SCHEMAS,
  ...APPROVAL_SCHEMAS,
  ...BATCH_SCHEMAS,
  ...CONTRACT_SCHEMAS,
  ...SIDE_EFFECT_SCHEMAS,
  ...PARKED_EVENT_SCHEMAS,
  ...RISK_REPORT_SCHEMAS,
  ...HEALTH_SCHEMAS,
  OpenApiDocument: { type: 'object', description: 'an OpenAPI 3.1 document', required: ['openapi', 'info', 'paths'], additionalProperties: true },
};
