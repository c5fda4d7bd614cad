import { Type } from 'class-transformer';
import { ENVELOPE_LIMITS } from '@countersign/domain';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** Query parameters every read route accepts. */
export class ReadOptionsDto {
  /** Wait until projections reached this log position (read your own writes). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxPosition)
  minPosition?: number;
}

export class PageQueryDto extends ReadOptionsDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
