import type { Actor } from '@countersign/domain';
import { PrincipalDirectory } from '@countersign/runtime';
import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { IS_PUBLIC } from './public.decorator.js';

type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/** Every route but those marked @Public needs `Authorization: Bearer <token>` of a known principal. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalDirectory,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new ApiError('unauthorized', 'send Authorization: Bearer <token>', {}, { headers: { 'www-authenticate': 'Bearer' } });
    }
    const actor = this.principals.authenticate(match[1] as string);
    if (!actor) throw new ApiError('unauthorized', 'unknown or revoked token', {}, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    request.actor = actor;
    return true;
  }
}

/** The authenticated principal; the only source of a mutation's actor. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new ApiError('unauthorized', 'not authenticated');
  return actor;
});
