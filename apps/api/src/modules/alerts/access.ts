import { apiError } from '../../graphql-errors.js';
import { roleAtLeast, type Viewer } from '../auth/viewer.js';

/**
 * Alerting is tenant configuration rather than telemetry: every member reads it, editors and above change it.
 * (Alert rules have no resource type in the ABAC vocabulary yet, so the built-in role decides.)
 */
export function requireAlertEditor(viewer: Viewer, what: string): void {
  if (!roleAtLeast(viewer.role, 'editor'))
    throw apiError('FORBIDDEN', `${what} is not allowed: editors and above change alerting (you are ${viewer.role})`, {
      action: 'update',
      resource: 'Alerting',
    });
}
