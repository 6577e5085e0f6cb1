import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimitedError } from '../common/errors.js';
import { bearerOf } from './api-key-authenticator.js';
import { CredentialEpoch } from './credential-epoch.js';
import { RateLimiter } from './rate-limiter.js';
import { hashSecret } from './secrets.js';

/**
 * Runs before authentication. Every request counts against its client address (with
 * room for several users behind one address), and a presented credential also counts
 * against its digest, so guessing keys from one address is limited too. Both counters and
 * the credential epoch (which tells authentication whether cached key lookups still hold)
 * are one Redis round trip.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly epoch: CredentialEpoch,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const bearer = bearerOf(request.headers.authorization);
    const subjects = [{ subject: `ip:${request.ip ?? 'unknown'}`, limit: this.limiter.perAddressLimit }];
    if (bearer) subjects.push({ subject: `key:${hashSecret(bearer).slice(0, 32)}`, limit: this.limiter.perKeyLimit });
    const { decisions, value } = await this.limiter.hitAll(subjects, bearer ? this.epoch.key : null);
    if (value !== undefined) this.epoch.observe(value);
    const refused = decisions.find((decision) => !decision.allowed);
    if (refused) throw new RateLimitedError(refused.retryAfterSeconds);
    return true;
  }
}
