import type { SignInService } from '../accounts/sign-in-service.js';
import type { PushService } from '../pushes/push-service.js';
import type { PassdropMetrics } from './passdrop-metrics.js';

/**
 * The push service, counting what happens to pushes from the outcomes it already returns (they are
 * values, so nothing inside the service changes): created and viewed by kind, expired by kind and
 * reason, wrong passphrases and locks.
 */
export function instrumentPushService(service: PushService, metrics: PassdropMetrics): PushService {
  return {
    ...service,
    async create(input, context) {
      const result = await service.create(input, context);
      if (result.ok) metrics.pushCreated(result.push.kind);
      return result;
    },
    async retrieve(token, passphrase, audit, viewer) {
      const result = await service.retrieve(token, passphrase, audit, viewer);
      switch (result.outcome) {
        case 'revealed':
          metrics.pushViewed(result.push.kind);
          if (result.push.expired) metrics.pushExpired(result.push.kind, 'views');
          break;
        case 'passphrase_incorrect':
          metrics.passphraseFailed();
          break;
        case 'locked':
          metrics.passphraseFailed();
          metrics.pushLocked();
          metrics.pushExpired(result.push.kind, 'locked');
          break;
        case 'not_found':
        case 'expired':
        case 'passphrase_required':
        case 'rate_limited':
        case 'link_proof_required':
        case 'link_damaged':
          break;
        default:
          throw new Error(`unhandled outcome ${String(result satisfies never)}`);
      }
      return result;
    },
    async deleteByViewer(token, audit, viewer) {
      const result = await service.deleteByViewer(token, audit, viewer);
      if (result.outcome === 'deleted') metrics.pushExpired(result.push.kind, viewer ? 'owner' : 'viewer');
      return result;
    },
  };
}

/** The sign-in service, counting failed sign-ins by reason ('invalid', 'locked', 'rate_limited'…). */
export function instrumentSignIn(service: SignInService, metrics: PassdropMetrics): SignInService {
  return {
    ...service,
    async signIn(input, requester) {
      const result = await service.signIn(input, requester);
      if (!result.ok) metrics.signInFailed(result.reason);
      return result;
    },
  };
}
