import { BATCH_MODES, ENVELOPE_LIMITS, RISK_LEVELS, SIDE_EFFECT_SEVERITIES, type BatchMode, type RiskLevel, type SideEffectSeverity } from '@countersign/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsTextOfLength } from '../../http/validators.js';
import { STATE_ID_PATTERN, STATE_TYPE_PATTERN, TAG_PATTERN } from '../../mutations/submit-mutation/submit-mutation.dto.js';

/** `null` on an optional envelope field means absent (docs/api.md "Requests"). */
const optional = { nullable: true } as const;

/** One step: the submit envelope without what a batch decides for all its steps (dependencies, schedules, keys, dry runs). */
export class BatchMutationDto {
  @ApiProperty({ description: 'a registered contract (GET /v1/contracts)', pattern: STATE_TYPE_PATTERN, example: 'feature-flag' })
  @IsString()
  @Matches(STATE_TYPE_PATTERN, { message: 'stateType must be a registered contract name (lower-case, digits, dashes)' })
  stateType!: string;

  @ApiProperty({ description: 'the state: 1-200 of A-Z a-z 0-9 . _ : @ -', pattern: STATE_ID_PATTERN, example: 'checkout-v2' })
  @IsString()
  @Matches(STATE_ID_PATTERN, { message: 'stateId must be 1-200 characters of letters, digits and . _ : @ -' })
  stateId!: string;

  @ApiProperty({ description: 'a transition of the contract', minLength: 1, maxLength: 64, example: 'enable' })
  @IsString()
  @Length(1, 64)
  transition!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "validated against the transition's JSON Schema", example: {} })
  @IsObject()
  payload!: Record<string, unknown>;

  @ApiPropertyOptional({ ...optional, type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxVersion, description: 'counts the earlier steps of the batch on the same state' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxVersion)
  expectedVersion?: number;

  @ApiPropertyOptional({ ...optional, type: 'array', items: { type: 'string', pattern: TAG_PATTERN.source }, maxItems: ENVELOPE_LIMITS.maxTags, description: "added to the contract's tags" })
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

  @ApiPropertyOptional({ ...optional, type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxBlastRadius, description: 'default from the contract' })
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

  @ApiPropertyOptional({ ...optional, maxLength: ENVELOPE_LIMITS.maxReasonLength, description: "why; defaults to the batch's reason" })
  @IsOptional()
  @IsString()
  @IsTextOfLength(0, ENVELOPE_LIMITS.maxReasonLength)
  reason?: string;
}

/** POST /v1/batches. */
export class SubmitBatchDto {
  @ApiProperty({ enum: BATCH_MODES, description: 'atomic: in order, compensating the applied steps in reverse order when one fails; independent: every step is tried', example: 'atomic' })
  @IsIn(BATCH_MODES)
  mode!: BatchMode;

  @ApiProperty({ type: () => BatchMutationDto, isArray: true, minItems: 1, maxItems: 100, description: 'the steps, in order' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => BatchMutationDto)
  mutations!: BatchMutationDto[];

  @ApiPropertyOptional({ ...optional, maxLength: 2000, description: 'why; the default reason of every step' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
