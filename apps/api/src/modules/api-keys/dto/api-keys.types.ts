import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsDate, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';
import { ROLES } from '../../auth/viewer.js';

@InputType()
export class CreateApiKeyInput {
  @Field()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[\p{L}\p{N} ._-]+$/u, {
    message: 'name may contain letters, digits, spaces, dots, dashes and underscores',
  })
  name: string;

  @Field({ defaultValue: 'viewer', description: 'viewer, editor, admin or owner; at most your own role.' })
  @IsIn(ROLES)
  role: string;

  @Field({ nullable: true, description: 'When the key stops working; never when omitted.' })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;

  @Field(() => ID, {
    nullable: true,
    description:
      "A policy that applies to this key on top of the tenant's policies (e.g. a deny outside one namespace).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  policyId?: string;
}

@ObjectType()
export class ApiKeyPolicy {
  @Field(() => ID) id: string;
  @Field() name: string;
}

@ObjectType()
export class ApiKey {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'Public part of the key, to recognise it.' }) prefix: string;
  @Field() role: string;
  @Field(() => Date, { nullable: true }) expiresAt: Date | null;
  @Field(() => Date, { nullable: true }) lastUsedAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
  @Field() createdAt: Date;
  @Field() createdBy: string;
  @Field(() => ApiKeyPolicy, { nullable: true }) policy: ApiKeyPolicy | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey) apiKey: ApiKey;
  @Field({ description: 'The full key. Shown only in this response; store it now.' }) secret: string;
}

@ObjectType()
export class ApiKeyEdge {
  @Field() cursor: string;
  @Field(() => ApiKey) node: ApiKey;
}

@ObjectType()
export class ApiKeyConnection {
  @Field(() => [ApiKeyEdge]) edges: ApiKeyEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}
