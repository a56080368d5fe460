import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GqlContext, Viewer } from './viewer.js';

/** The viewer SessionGuard resolved; only valid on guarded resolvers. */
export const CurrentViewer = createParamDecorator((_data: unknown, context: ExecutionContext): Viewer => {
  const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
  if (!ctx.viewer) throw new Error('CurrentViewer used without SessionGuard');
  return ctx.viewer;
});
