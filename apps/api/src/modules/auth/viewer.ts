/**
 * The authenticated caller, resolved from the session cookie or an API key. The tenant comes from here,
 * never from input.
 */
export interface Viewer {
  userId: string;
  email: string;
  role: Role;
  tenantId: number;
  tenantSlug: string;
  tenantName: string;
  /** Teams of the member in this tenant (subject attribute for ABAC policies). */
  teamIds: string[];
  /** Set when the caller authenticated with an API key rather than a session. */
  apiKeyId?: string;
  /** The API key's own policy, if it was created with one. */
  apiKeyPolicyId?: string | null;
}

export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Built-in role order: each role can do what the ones before it can. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/** Audit actor id for a viewer: the user, or the API key acting for them. */
export function actorOf(viewer: Viewer): { actor: string; actorLabel: string } {
  return viewer.apiKeyId
    ? { actor: `apikey:${viewer.apiKeyId}`, actorLabel: `API key of ${viewer.email}` }
    : { actor: viewer.userId, actorLabel: viewer.email };
}

export interface GqlContext {
  req: import('fastify').FastifyRequest;
  reply: import('fastify').FastifyReply;
  viewer?: Viewer | null;
}
