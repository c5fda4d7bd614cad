import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ApproveMutationDto {
  @ApiProperty({ enum: ['approve', 'reject'], description: 'one rejection ends it rejected', example: 'approve' })
  @IsIn(['approve', 'reject'])
  decision!: 'approve' | 'reject';

  @ApiPropertyOptional({ nullable: true, maxLength: 2000, example: 'go' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}
