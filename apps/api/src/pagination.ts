import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { apiError } from './graphql-errors.js';

/** Relay-style forward pagination arguments shared by control-plane lists. */
@InputType()
export class ConnectionArgs {
  @Field(() => Int, { defaultValue: 50 })
  @IsInt()
  @Min(1)
  @Max(200)
  first = 50;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;
}

@ObjectType('ConnectionPageInfo')
export class ConnectionPageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

/** Cursors over (createdAt DESC, id DESC), opaque to clients. */
export function encodeRowCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.getTime()}|${id}`).toString('base64url');
}

export function decodeRowCursor(cursor: string): { createdAt: Date; id: string } {
  const m = /^(\d{1,15})\|([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw apiError('BAD_USER_INPUT', 'invalid cursor', { field: 'after' });
  return { createdAt: new Date(Number(m[1])), id: m[2] as string };
}

/** Prisma `where` for rows strictly after the cursor in (createdAt DESC, id DESC) order. */
export function afterCursorWhere(after: string | undefined) {
  if (!after) return {};
  const c = decodeRowCursor(after);
  return { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] };
}
