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
import { IsBoundedDuration, IsTextOfLength, IsTimestamp } from '../../http/validators.js';

/** The submit envelope (BRIEF §4). The actor is never a field: it comes from the bearer token. */
export class SubmitMutationDto {
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
  @IsString()
  @Length(1, 200)
  idempotencyKey?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique({ message: 'dependsOn must not name a mutation twice' })
  @IsUUID('all', { each: true })
  dependsOn?: string[];

  /** How long to wait for dependsOn before failing with dependency_timeout: a duration like 30s, 15m, 2h (default COUNTERSIGN_DEPENDENCY_TIMEOUT). */
  @IsOptional()
  @IsString()
  @IsBoundedDuration(ENVELOPE_LIMITS.minDependencyTimeoutMs, ENVELOPE_LIMITS.maxDependencyTimeoutMs)
  dependencyTimeout?: string;

  @IsOptional()
  @IsTimestamp()
  notBefore?: string;

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

  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
