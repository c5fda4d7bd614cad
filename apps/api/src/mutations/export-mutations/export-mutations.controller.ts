import { Readable } from 'node:stream';
import { redactDiff, redactValue, type DiffEntry, type JsonValue } from '@countersign/domain';
import { ReadModelQueries, type MutationRecord } from '@countersign/read-models';
import { ContractRegistry } from '@countersign/runtime';
import { Controller, Get, Query as QueryParams, Res } from '@nestjs/common';
import { IsIn } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../../http/api-error.js';
import { ReadYourWrites } from '../../http/read-your-writes.js';
import { parseMutationFilters } from '../list-mutations/list-mutations.controller.js';
import { ListMutationsQueryDto, METADATA_FILTER } from '../list-mutations/list-mutations.dto.js';
import { ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ROUTE_ERRORS } from '../../http/api-error.schema.js';
import { ApiContentAnswer } from '../../openapi/api-answer.decorator.js';

class ExportMutationsQueryDto extends ListMutationsQueryDto {
  @ApiProperty({ enum: ['ndjson', 'csv'] })
  @IsIn(['ndjson', 'csv']) format!: 'ndjson' | 'csv';
}

/** Masks what a record's contract marks sensitive: the export's redaction hook. */
export type Redactor = (record: MutationRecord) => MutationRecord;

/** The columns of the CSV export, in order. */
export const CSV_COLUMNS = [
  'mutationId', 'stateType', 'stateId', 'transition', 'status', 'actorId', 'actorKind', 'reason', 'category', 'riskLevel',
  'sideEffectSeverity', 'tags', 'metadata', 'estimatedBlastRadius', 'payload', 'diff', 'baseVersion', 'expectedVersion',
  'stateVersion', 'idempotencyKey', 'dependsOn', 'requestedAt', 'appliedAt', 'finishedAt', 'outcome', 'position',
] as const;

@ApiTags('mutations')
@Controller('v1/mutations')
export class ExportMutationsController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly contracts: ContractRegistry,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  /**
   * Streams every mutation the filters select, newest first, as NDJSON or CSV: no page limit,
   * read in keyset pages so memory stays constant; fields a contract marks sensitive are masked.
   */
  @Get('export')
  @ApiOperation({
    operationId: 'exportMutations',
    summary: 'Export every mutation the filters select',
    description:
      'The filters of GET /v1/mutations (limit and cursor are refused: an export has no pages) and the format. Newest first, streamed in constant memory; values at the paths a contract marks sensitive are replaced by "[redacted]". NDJSON: one list item per line. CSV: a header row, then one row per mutation with the columns ' +
      CSV_COLUMNS.join(', ') +
      '.',
  })
  @ApiQuery({ type: ExportMutationsQueryDto })
  @ApiQuery(METADATA_FILTER)
  @ApiContentAnswer(200, { 'application/x-ndjson': { type: 'string', description: 'one MutationRecord per line' }, 'text/csv': { type: 'string' } }, 'the mutations, as an attachment (Content-Disposition)')
  @ApiErrors([...ROUTE_ERRORS.authenticated, ...ROUTE_ERRORS.read])
  async export(@QueryParams() raw: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    if (raw.limit !== undefined || raw.cursor !== undefined) {
      throw new ApiError('invalid_query', 'an export has no pages: leave out limit and cursor', { parameter: raw.limit !== undefined ? 'limit' : 'cursor' });
    }
    const { query, filters } = await parseMutationFilters(raw, ExportMutationsQueryDto);
    await this.readYourWrites.await(['mutations'], query.minPosition);
    const redact = contractRedactor(this.contracts);
    const records = this.queries.streamMutations(filters);
    const lines = query.format === 'csv' ? csvLines(records, redact) : ndjsonLines(records, redact);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    void reply
      .status(200)
      .header('content-type', query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="mutations-${stamp}.${query.format}"`)
      .send(Readable.from(lines));
  }
}

/** The default hook: each contract's `sensitive` paths, in payloads and diffs. */
export function contractRedactor(contracts: ContractRegistry): Redactor {
  return (record) => {
    const sensitive = contracts.get(record.stateType)?.definition.sensitive ?? [];
    if (sensitive.length === 0) return record;
    return {
      ...record,
      payload: redactValue(record.payload as JsonValue, sensitive),
      diff: record.diff === null ? null : redactDiff(record.diff as DiffEntry[], sensitive),
    };
  };
}

async function* ndjsonLines(records: AsyncIterable<MutationRecord>, redact: Redactor): AsyncGenerator<string> {
  for await (const record of records) yield `${JSON.stringify(redact(record))}\n`;
}

async function* csvLines(records: AsyncIterable<MutationRecord>, redact: Redactor): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const raw of records) {
    const record = redact(raw);
    const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      ...record,
      actorId: record.actor.id,
      actorKind: record.actor.kind,
      tags: record.tags.join(';'),
      dependsOn: record.dependsOn.join(';'),
    } as Record<(typeof CSV_COLUMNS)[number], unknown>;
    yield `${CSV_COLUMNS.map((column) => csvCell(values[column])).join(',')}\r\n`;
  }
}

/** RFC 4180 quoting; objects as JSON; a leading = + - @ is defused so spreadsheets do not run it as a formula. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
