import { ACTOR_KINDS, MUTATION_STATUSES, RISK_LEVELS, SIDE_EFFECT_SEVERITIES } from '@countersign/domain';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../http/pagination.dto.js';

const asList = ({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]);
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

  /** Requested at or after. */
  @IsOptional() @IsISO8601({ strict: true }) from?: string;

  /** Requested before. */
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
}
