import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsOptional, Matches } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';

@InputType()
export class AuditLogFilter {
  @Field({ nullable: true, description: 'Exact action, e.g. apiKey.create.' })
  @IsOptional()
  @Matches(/^[a-zA-Z]{1,32}\.[a-zA-Z]{1,32}$/)
  action?: string;

  @Field({ nullable: true, description: 'success, denied or failure.' })
  @IsOptional()
  @Matches(/^(success|denied|failure)$/)
  outcome?: string;
}

@ObjectType()
export class AuditLogEntry {
  @Field(() => ID) id: string;
  @Field() createdAt: Date;
  @Field(() => String, { nullable: true }) actor: string | null;
  @Field() actorLabel: string;
  @Field() action: string;
  @Field() targetType: string;
  @Field() targetId: string;
  @Field() outcome: string;
  @Field(() => String, { nullable: true, description: 'State before the change, as JSON.' }) before: string | null;
  @Field(() => String, { nullable: true, description: 'State after the change, as JSON.' }) after: string | null;
  @Field() ip: string;
  @Field() userAgent: string;
}

@ObjectType()
export class AuditLogEdge {
  @Field() cursor: string;
  @Field(() => AuditLogEntry) node: AuditLogEntry;
}

@ObjectType()
export class AuditLogConnection {
  @Field(() => [AuditLogEdge]) edges: AuditLogEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}
