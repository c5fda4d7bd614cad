import { ACTOR_KINDS, ENVELOPE_LIMITS, MUTATION_STATUSES, RISK_LEVELS, SIDE_EFFECT_SEVERITIES } from '@countersign/domain';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiPropertyOptional, type ApiQueryOptions } from '@nestjs/swagger';
import { IsTimestamp } from '../../http/validators.js';
import { PageQueryDto } from '../../http/pagination.dto.js';

const asList = ({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]);
/** A decimal integer parameter; anything else stays a string and fails @IsInt. */
const integer = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value);
const commaList = ({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).filter(Boolean);

/** Filters of GET /v1/mutations; unknown parameters are refused with 400 naming them. */
export class ListMutationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'principal id' }) @IsOptional() @IsString() @MaxLength(200) actor?: string;
  @ApiPropertyOptional({ enum: ACTOR_KINDS }) @IsOptional() @IsIn(ACTOR_KINDS) actorKind?: string;
  @ApiPropertyOptional({ maxLength: 63 }) @IsOptional() @IsString() @MaxLength(63) stateType?: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) stateId?: string;
  @ApiPropertyOptional({ maxLength: 64 }) @IsOptional() @IsString() @MaxLength(64) transition?: string;
  @ApiPropertyOptional({ enum: MUTATION_STATUSES }) @IsOptional() @IsIn(MUTATION_STATUSES) status?: string;
  @ApiPropertyOptional({ maxLength: 100 }) @IsOptional() @IsString() @MaxLength(100) category?: string;
  @ApiPropertyOptional({ enum: RISK_LEVELS }) @IsOptional() @IsIn(RISK_LEVELS) riskLevel?: string;
  @ApiPropertyOptional({ enum: SIDE_EFFECT_SEVERITIES }) @IsOptional() @IsIn(SIDE_EFFECT_SEVERITIES) sideEffectSeverity?: string;

  /** Any of these tags (the parameter may repeat). */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50, description: 'any of these tags: repeat the parameter (tag=a&tag=b)' })
  @IsOptional() @Transform(asList) @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true }) tag?: string[];

  /** All of these tags (comma-separated). */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 50, description: 'all of these tags: comma-separated (tags=a,b) or repeated' })
  @IsOptional() @Transform(commaList) @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true }) tags?: string[];

  /** At or after, on `timeField`. */
  @ApiPropertyOptional({ format: 'date-time', description: 'at or after, on timeField' })
  @IsOptional() @IsTimestamp() from?: string;

  /** Before, on `timeField`. */
  @ApiPropertyOptional({ format: 'date-time', description: 'before, on timeField' })
  @IsOptional() @IsTimestamp() to?: string;

  /** The time from/to apply to: `requested` (default) or `applied`. */
  @ApiPropertyOptional({ enum: ['requested', 'applied'], default: 'requested', description: 'the time from/to apply to and the list is ordered by; applied lists only mutations that applied' })
  @IsOptional() @IsIn(['requested', 'applied']) timeField?: 'requested' | 'applied';

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxBlastRadius, description: 'estimatedBlastRadius at least' })
  @IsOptional() @Transform(integer) @IsInt() @Min(0) @Max(ENVELOPE_LIMITS.maxBlastRadius) blastRadiusMin?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxBlastRadius, description: 'estimatedBlastRadius at most' })
  @IsOptional() @Transform(integer) @IsInt() @Min(0) @Max(ENVELOPE_LIMITS.maxBlastRadius) blastRadiusMax?: number;

  /** Words that must all occur in the reason. */
  @ApiPropertyOptional({ maxLength: 200, description: 'words that must all occur in the reason ("a phrase" and -word work as in web search)' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
}

/** Query parameters of the form metadata.<key>=<value> (or metadata[<key>]=<value>, OpenAPI's deepObject): equality on a top-level metadata key. */
export const METADATA_PARAMETER = /^metadata(?:\.([A-Za-z0-9_:-]{1,64})|\[([A-Za-z0-9_:-]{1,64})\])$/;

/** `metadata.<key>=<value>`, or `metadata[<key>]=<value>` as OpenAPI's deepObject style writes it. */
export const METADATA_FILTER: ApiQueryOptions = {
  name: 'metadata',
  required: false,
  style: 'deepObject',
  explode: true,
  description: 'equality on top-level metadata keys: metadata[team]=payments (or metadata.team=payments); a value that reads as a number, true/false or null also matches that JSON value; at most 10',
  schema: { type: 'object', additionalProperties: { type: 'string', maxLength: 200 }, maxProperties: 10 },
};
