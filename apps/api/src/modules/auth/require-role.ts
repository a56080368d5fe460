import { apiError } from '../../graphql-errors.js';
import { type Role, roleAtLeast, type Viewer } from './viewer.js';

/** Built-in role check for control-plane actions; the ABAC policy layer refines this later. */
export function requireRole(viewer: Viewer, minimum: Role, action: string): void {
  if (!roleAtLeast(viewer.role, minimum)) {
    throw apiError('FORBIDDEN', `${action} needs the ${minimum} role or higher (you are ${viewer.role})`);
  }
}
