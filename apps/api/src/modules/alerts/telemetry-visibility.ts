import { subject } from '@casl/ability';
import type { Viewer } from '../auth/viewer.js';
import type { AuthzService } from '../authz/authz.service.js';
import { TenantQuery } from '../telemetry/tenant-query.js';

/**
 * Alerts speak of telemetry (their labels carry its service and namespace), so the viewer's telemetry policies
 * decide which ones they see — in alert lists, history and the webhook delivery log alike. An alert without the
 * attribute a policy speaks of is hidden (fails closed).
 */
export async function alertVisibility(
  authz: AuthzService,
  viewer: Viewer,
): Promise<(labels: Readonly<Record<string, string>>) => boolean> {
  if ((await authz.scopeTelemetry(viewer, new TenantQuery(viewer.tenantId))) === 'all') return () => true;
  const ability = await authz.abilityFor(viewer);
  return (labels) =>
    ability.can(
      'read',
      subject('Request', {
        namespace: labels.namespace ?? '',
        service: labels.service ?? '',
        environment: labels.environment ?? '',
        agentGroup: '',
      }) as never,
    );
}
