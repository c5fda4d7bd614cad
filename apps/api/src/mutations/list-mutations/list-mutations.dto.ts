import { ACTOR_KINDS, ENVELOPE_LIMITS, MUTATION_STATUSES, RISK_LEVELS, SIDE_EFFECT_SEVERITIES } from '@countersign/domain';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsTimestamp } from '../../http/validators.js';
import { PageQueryDto } from '../../http/pagination.dto.js';

const asList = ({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]);
/** A decimal integer parameter; anything else stays a string and fails @IsInt. */
const integer = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value);
const commaList = ({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).filter(Boolean);

/** Filters of GET /v1/mutations; unknown parameters are refused with 400 naming them. */
export class ListMutationsQueryDto extends PageQueryDto {
  @IsOptional() @IsString() @MaxLength(200) actor?: string;
  @IsOptional() @IsIn(ACTOR_KINDS) actorKind?: string;
  @IsOptional() @IsString() @MaxLength(63) stateType?: string;
  @IsOptional() @IsString() @MaxLength(200) stateId?: string;
  @IsOptional() @IsString() @MaxLength(64) transition?: string;
  @IsOptional() @IsIn(MUTATION_STATUSES) status?: string;
  @IsOptional() @IsString() @MaxLength(100) category?: string;
  @IsOptional() @IsIn(RISK_LEVELS) riskLevel?: string;
  @IsOptional() @IsIn(SIDE_EFFECT_SEVERITIES) sideEffectSeverity?: string;

  /** Any of these tags (the parameter may repeat). */
  @IsOptional() @Transform(asList) @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true }) tag?: string[];

  /** All of these tags (comma-separated). */
  @IsOptional() @Transform(commaList) @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true }) tags?: string[];

  /** At or after, on `timeField`. */
  @IsOptional() @IsTimestamp() from?: string;

  /** Before, on `timeField`. */
  @IsOptional() @IsTimestamp() to?: string;

  /** The time from/to apply to: `requested` (default) or `applied`. */
  @IsOptional() @IsIn(['requested', 'applied']) timeField?: 'requested' | 'applied';

  @IsOptional() @Transform(integer) @IsInt() @Min(0) @Max(ENVELOPE_LIMITS.maxBlastRadius) blastRadiusMin?: number;
  @IsOptional() @Transform(integer) @IsInt() @Min(0) @Max(ENVELOPE_LIMITS.maxBlastRadius) blastRadiusMax?: number;

  /** Words that must all occur in the reason. */
  @IsOptional() @IsString() @MaxLength(200) q?: string;
}

/** Query parameters of the form metadata.<key>=<value>: equality on a top-level metadata key. */
export const METADATA_PARAMETER = /^metadata\.([A-Za-z0-9_:-]{1,64})$/;
