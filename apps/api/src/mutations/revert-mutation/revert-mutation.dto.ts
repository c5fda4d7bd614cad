import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

/** POST /v1/mutations/:id/revert. The actor comes from the bearer token. */
export class RevertMutationDto {
  /** Why the change is undone; required, it is the audit trail's answer to "why". */
  @IsString()
  @Length(1, 2000)
  reason!: string;

  /** Plan only, record nothing. */
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
