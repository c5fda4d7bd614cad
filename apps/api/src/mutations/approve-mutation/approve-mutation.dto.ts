import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class ApproveMutationDto {
  @IsIn(['approve', 'reject'])
  decision!: 'approve' | 'reject';

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}
