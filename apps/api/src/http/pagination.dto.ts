import { Type } from 'class-transformer';
import { ENVELOPE_LIMITS } from '@countersign/domain';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Query parameters every read route accepts. */
export class ReadOptionsDto {
  /** Wait until projections reached this log position (read your own writes). */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: ENVELOPE_LIMITS.maxPosition, description: 'wait (bounded) until the read models reached this log position: pass the position of your write to read it' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(ENVELOPE_LIMITS.maxPosition)
  minPosition?: number;
}

export class PageQueryDto extends ReadOptionsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ maxLength: 500, description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}
