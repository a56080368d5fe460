import { SetMetadata } from '@nestjs/common';
import type { AbilityAction, ResourceType } from './resources.js';

export const AUTHORIZE_KEY = 'bathyscope:authorize';

export interface AuthorizeRequirement {
  action: AbilityAction;
  resource: ResourceType;
}

/**
 * Resolver-level check, run by SessionGuard before the resolver: the viewer must be able to do `action` on some
 * `resource`. Conditions on attributes are then enforced on the objects themselves (accessibleBy, scopes).
 */
export const Authorize = (action: AbilityAction, resource: ResourceType) =>
  SetMetadata(AUTHORIZE_KEY, { action, resource } satisfies AuthorizeRequirement);
