import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimitedError } from '../common/errors.js';
import { bearerOf } from './api-key-authenticator.js';
import { RateLimiter } from './rate-limiter.js';
import { hashSecret } from './secrets.js';

/**
 * Runs before authentication. Every request counts against its client address (with
 * room for several users behind one address), and a presented credential also counts
 * against its digest, so guessing keys from one address is limited too.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const bearer = bearerOf(request.headers.authorization);
    const perAddress = await this.limiter.hit(`ip:${request.ip ?? 'unknown'}`, this.limiter.perAddressLimit);
    if (!perAddress.allowed) throw new RateLimitedError(perAddress.retryAfterSeconds);
    if (bearer) {
      const perKey = await this.limiter.hit(`key:${hashSecret(bearer).slice(0, 32)}`);
      if (!perKey.allowed) throw new RateLimitedError(perKey.retryAfterSeconds);
    }
    return true;
  }
}
