import { ENVELOPE_LIMITS, RISK_LEVELS, SIDE_EFFECT_SEVERITIES, type RiskLevel, type SideEffectSeverity } from '@countersign/domain';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DURATION_PATTERN, IsBoundedDuration, IsTextOfLength, IsTimestamp } from '../../http/validators.js';

/** The field formats of a submit, shared with batch steps and stated once for validation and the OpenAPI document. */
export const STATE_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const STATE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:\/-]{0,63}$/;
/** A plan hash as answers carry it: SHA-256, 64 lower-case hex digits. */
export const PLAN_HASH_PATTERN = /^[0-9a-f]{64}$/;
const TIMESTAMP_RANGE = `an ISO 8601 date-time in the years ${ENVELOPE_LIMITS.minTimestampYear}-${ENVELOPE_LIMITS.maxTimestampYear}`;

/** `null` on an optional envelope field means absent (docs/api.md "Requests"). */
const optional = { nullable: true } as const;

/** The submit envelope (BRIEF §4). The actor is never a field: it comes from the bearer token. */
export class SubmitMutationDto {
  @ApiProperty({ description: 'a registered contract (GET /v1/contracts)', pattern: STATE_TYPE_PATTERN, example: 'feature-flag' })
  @IsString()
  @Matches(STATE_TYPE_PATTERN, { message: 'stateType must be a registered contract name (lower-case, digits, dashes)' })
  stateType!: string;

  @ApiProperty({ description: 'the state: 1-200 of A-Z a-z 0-9 . _ : @ -', pattern: STATE_ID_PATTERN, example: 'checkout-v2' })
  @IsString()
  @Matches(STATE_ID_PATTERN, { message: 'stateId must be 1-200 characters of letters, digits and . _ : @ -' })
  stateId!: string;

  @ApiProperty({ description: 'a transition of the contract', minLength: 1, maxLength: 64, example: 'create' })
  @IsString()
  @Length(1, 64)
  transition!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "validated against the transition's JSON Schema", example: { owner: 'team-payments' } })
  @IsObject()
  payload!: Record<string, unknown>;

  @ApiPropertyOptional({ ...optional, type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxVersion, description: "optimistic concurrency: the state's version the change is based on (409 version_conflict otherwise)" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxVersion)
  expectedVersion?: number;

  @ApiPropertyOptional({
    ...optional,
    pattern: PLAN_HASH_PATTERN.source,
    minLength: 64,
    maxLength: 64,
    example: 'aeb5ae664966edc5fa3cb661b4e9fc306c2897f3472f9c83ea8a49fe8dde5e90',
    description: "apply exactly this plan: a dry run's planHash; when the plan computed at admission has another hash (or none yet, with dependsOn not applied) 409 plan_changed with the current planHash, nothing recorded",
  })
  @IsOptional()
  @IsString()
  @Matches(PLAN_HASH_PATTERN, { message: 'expectedPlanHash must be a planHash: 64 lower-case hex digits' })
  expectedPlanHash?: string;

  @ApiPropertyOptional({ ...optional, minLength: 1, maxLength: 200, description: 'or the Idempotency-Key header (they must agree): a retry of the same request gets the first answer' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotencyKey?: string;

  @ApiPropertyOptional({ ...optional, type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 100, uniqueItems: true, description: 'wait until these mutations are applied; fail if one ends otherwise' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique({ message: 'dependsOn must not name a mutation twice' })
  @IsUUID('all', { each: true })
  dependsOn?: string[];

  /** How long to wait for dependsOn before failing with dependency_timeout: a duration like 30s, 15m, 2h (default COUNTERSIGN_DEPENDENCY_TIMEOUT). */
  @ApiPropertyOptional({ ...optional, pattern: DURATION_PATTERN, example: '15m', description: `how long to wait for dependsOn, ${ENVELOPE_LIMITS.minDependencyTimeoutMs} ms to ${ENVELOPE_LIMITS.maxDependencyTimeoutMs / 86_400_000} days (default COUNTERSIGN_DEPENDENCY_TIMEOUT)` })
  @IsOptional()
  @IsString()
  @IsBoundedDuration(ENVELOPE_LIMITS.minDependencyTimeoutMs, ENVELOPE_LIMITS.maxDependencyTimeoutMs)
  dependencyTimeout?: string;

  @ApiPropertyOptional({ ...optional, format: 'date-time', description: `apply no earlier than this (a schedule requirement): ${TIMESTAMP_RANGE}` })
  @IsOptional()
  @IsTimestamp()
  notBefore?: string;

  @ApiPropertyOptional({ ...optional, type: 'array', items: { type: 'string', pattern: TAG_PATTERN.source }, maxItems: ENVELOPE_LIMITS.maxTags, description: "added to the contract's tags", example: ['prod'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ENVELOPE_LIMITS.maxTags)
  @IsString({ each: true })
  @Matches(TAG_PATTERN, { each: true, message: 'each tag must be 1-64 characters of letters, digits and . _ : / -' })
  tags?: string[];

  @ApiPropertyOptional({ ...optional, type: 'object', additionalProperties: true, description: 'free-form, kept as jsonb' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ ...optional, type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxBlastRadius, description: "default from the contract" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxBlastRadius)
  estimatedBlastRadius?: number;

  @ApiPropertyOptional({ ...optional, minLength: 1, maxLength: ENVELOPE_LIMITS.maxCategoryLength, description: "overrides the contract's" })
  @IsOptional()
  @IsString()
  @IsTextOfLength(1, ENVELOPE_LIMITS.maxCategoryLength)
  category?: string;

  @ApiPropertyOptional({ ...optional, enum: RISK_LEVELS, description: "may raise the contract's level, never lower it" })
  @IsOptional()
  @IsIn(RISK_LEVELS)
  riskLevel?: RiskLevel;

  @ApiPropertyOptional({ ...optional, enum: SIDE_EFFECT_SEVERITIES, description: 'may raise, never lower' })
  @IsOptional()
  @IsIn(SIDE_EFFECT_SEVERITIES)
  sideEffectSeverity?: SideEffectSeverity;

  @ApiPropertyOptional({ ...optional, maxLength: ENVELOPE_LIMITS.maxReasonLength, description: 'why; searchable later (q=)', example: 'new checkout' })
  @IsOptional()
  @IsString()
  @IsTextOfLength(0, ENVELOPE_LIMITS.maxReasonLength)
  reason?: string;

  @ApiPropertyOptional({ ...optional, type: 'boolean', description: 'plan only, record nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
