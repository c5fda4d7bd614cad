import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** POST /v1/mutations/:id/revert. The actor comes from the bearer token. */
export class RevertMutationDto {
  /** Why the change is undone; required, it is the audit trail's answer to "why". */
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'raised the wrong customer' })
  @IsString()
  @Length(1, 2000)
  reason!: string;

  /**
   * Also compensate the later mutations that changed the same paths, latest first, then this
   * one: planned and governed as one atomic batch (one approval covers it).
   */
  @ApiPropertyOptional({ nullable: true, type: 'boolean', description: 'also undo the later mutations that changed the same paths, latest first, as one atomic batch' })
  @IsOptional()
  @IsBoolean()
  compensateLater?: boolean;

  /** Plan only, record nothing (not with compensateLater). */
  @ApiPropertyOptional({ nullable: true, type: 'boolean', description: 'plan only, record nothing (not with compensateLater)' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
