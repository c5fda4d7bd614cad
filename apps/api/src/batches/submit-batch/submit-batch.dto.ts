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
import { IsTextOfLength } from '../../http/validators.js';

/** One step: the submit envelope without what a batch decides for all its steps (dependencies, schedules, keys, dry runs). */
export class BatchMutationDto {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'stateType must be a registered contract name (lower-case, digits, dashes)' })
  stateType!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, { message: 'stateId must be 1-200 characters of letters, digits and . _ : @ -' })
  stateId!: string;

  @IsString()
  @Length(1, 64)
  transition!: string;

  @IsObject()
  payload!: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxVersion)
  expectedVersion?: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:\/-]{0,63}$/, { each: true, message: 'each tag must be 1-64 characters of letters, digits and . _ : / -' })
  tags?: string[];

  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxBlastRadius)
  estimatedBlastRadius?: number;

  @IsOptional()
  @IsString()
  @IsTextOfLength(1, ENVELOPE_LIMITS.maxCategoryLength)
  category?: string;

  @IsOptional()
  @IsIn(RISK_LEVELS)
  riskLevel?: RiskLevel;

  @IsOptional()
  @IsIn(SIDE_EFFECT_SEVERITIES)
  sideEffectSeverity?: SideEffectSeverity;

  @IsOptional()
  @IsString()
  @IsTextOfLength(0, ENVELOPE_LIMITS.maxReasonLength)
  reason?: string;
}

/** POST /v1/batches. */
export class SubmitBatchDto {
  @IsIn(BATCH_MODES)
  mode!: BatchMode;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => BatchMutationDto)
  mutations!: BatchMutationDto[];

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
