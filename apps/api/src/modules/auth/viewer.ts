/** The authenticated caller, resolved from the session cookie. The tenant comes from here, never from input. */
export interface Viewer {
  userId: string;
  email: string;
  role: string;
  tenantId: number;
  tenantSlug: string;
  tenantName: string;
}

export interface GqlContext {
  req: import('fastify').FastifyRequest;
  reply: import('fastify').FastifyReply;
  viewer?: Viewer | null;
}
