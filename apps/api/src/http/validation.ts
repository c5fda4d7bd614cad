import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error.js';
import { isObjectMemberName } from './request-guards.js';

/** Flattens class-validator errors into `{ path, message }` pairs naming the offending field. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/**
 * One rule for `null` in every request envelope (docs/api.md "Requests"): a field whose value is
 * null is absent. Optional fields then take their default; required ones are reported missing.
 * Only the envelope's own fields (the DTO classes, nested ones included) are touched: a null
 * inside `payload` or `metadata` is data and stays.
 */
export function dropNullFields(entity: unknown): void {
  const stack: unknown[] = [entity];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...current);
      continue;
    }
    if (!isDtoInstance(current)) continue;
    for (const [key, value] of Object.entries(current)) {
      if (value === null) delete (current as Record<string, unknown>)[key];
      else stack.push(value);
    }
  }
}

/**
 * class-validator's whitelist looks field names up in a plain object, so a field named after one
 * of its members (`toString`, `hasOwnProperty`) passes as known, and class-transformer leaves it
 * out of the DTO silently. No envelope has such a field: the request as sent is checked at every
 * DTO level (the envelope, batch steps) and such a field is refused as unknown.
 */
function refuseObjectMemberFields(entity: unknown, sent: unknown, code: 'invalid_request' | 'invalid_query'): void {
  const stack: { entity: unknown; sent: unknown; path: string }[] = [{ entity, sent, path: '' }];
  while (stack.length > 0) {
    const item = stack.pop() as { entity: unknown; sent: unknown; path: string };
    if (Array.isArray(item.entity) && Array.isArray(item.sent)) {
      const sent = item.sent as unknown[];
      item.entity.forEach((child, index) => stack.push({ entity: child, sent: sent[index], path: `${item.path}[${index}]` }));
      continue;
    }
    if (!isDtoInstance(item.entity) || item.sent === null || typeof item.sent !== 'object') continue;
    for (const key of Object.keys(item.sent)) {
      const field = item.path === '' ? key : `${item.path}.${key}`;
      if (isObjectMemberName(key)) {
        throw new ApiError(code, `${field}: property ${key} should not exist`, code === 'invalid_query' ? { parameter: field } : { violations: [{ path: field, message: `property ${key} should not exist` }] });
      }
      stack.push({ entity: (item.entity as Record<string, unknown>)[key], sent: (item.sent as Record<string, unknown>)[key], path: field });
    }
  }
}

/**
 * JSON data fields (`payload`, `metadata`) reach the handler exactly as sent: class-transformer's
 * copy of a plain object leaves out keys such as `hasOwnProperty` that the copy's prototype
 * already has, which would silently change a payload. DTO levels are walked; data is put back.
 */
function keepSentJson(entity: unknown, sent: unknown): void {
  const stack: { entity: unknown; sent: unknown }[] = [{ entity, sent }];
  while (stack.length > 0) {
    const item = stack.pop() as { entity: unknown; sent: unknown };
    if (Array.isArray(item.entity) && Array.isArray(item.sent)) {
      const sentItems = item.sent as unknown[];
      item.entity.forEach((child, index) => stack.push({ entity: child, sent: sentItems[index] }));
      continue;
    }
    if (!isDtoInstance(item.entity) || item.sent === null || typeof item.sent !== 'object') continue;
    const target = item.entity as Record<string, unknown>;
    for (const [key, sentValue] of Object.entries(item.sent)) {
      const value = target[key];
      const holdsDtos = isDtoInstance(value) || (Array.isArray(value) && value.some(isDtoInstance));
      if (holdsDtos) stack.push({ entity: value, sent: sentValue });
      else if (sentValue !== null && typeof sentValue === 'object' && Object.prototype.hasOwnProperty.call(target, key)) target[key] = sentValue;
    }
  }
}

function isDtoInstance(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype !== null && prototype !== Object.prototype && prototype !== Array.prototype;
}

/** class-validator already skips null optional fields (and refuses null required ones); what passes is then handed on without them. */
class EnvelopeValidationPipe extends ValidationPipe {
  constructor(
    private readonly code: 'invalid_request' | 'invalid_query',
    options: ConstructorParameters<typeof ValidationPipe>[0],
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const entity: unknown = await super.transform(value, metadata);
    refuseObjectMemberFields(entity, value, this.code);
    keepSentJson(entity, value);
    dropNullFields(entity);
    return entity;
  }
}

/** Envelope validation: unknown fields are refused, types are checked, nothing is coerced silently, null is absent. */
export function envelopeValidationPipe(code: 'invalid_request' | 'invalid_query'): ValidationPipe {
  return new EnvelopeValidationPipe(code, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const violations = describeValidationErrors(errors);
      const first = violations[0];
      return new ApiError(code, first ? `${first.path}: ${first.message}` : 'invalid request', { violations });
    },
  });
}
