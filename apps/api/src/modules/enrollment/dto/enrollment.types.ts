import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';

/** Longest an enrollment token may live: it is a bootstrap secret, handed to installers and scripts. */
export const MAX_ENROLLMENT_TOKEN_DAYS = 30;

export enum EnrollmentTokenStatus {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  USED_UP = 'USED_UP',
  REVOKED = 'REVOKED',
}
registerEnumType(EnrollmentTokenStatus, { name: 'EnrollmentTokenStatus' });

@InputType()
export class CreateEnrollmentTokenInput {
  @Field()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[\p{L}\p{N} ._-]+$/u, {
    message: 'name may contain letters, digits, spaces, dots, dashes and underscores',
  })
  name: string;

  @Field(() => ID, { nullable: true, description: 'Agents enrolled with the token join this group.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  groupId?: string;

  @Field({
    description: `When the token stops working: in the future, at most ${MAX_ENROLLMENT_TOKEN_DAYS} days away.`,
  })
  @IsDate()
  expiresAt: Date;

  @Field(() => Int, { nullable: true, description: 'How many enrollments the token allows; unlimited when omitted.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxUses?: number;
}

@ObjectType()
export class EnrollmentTokenGroup {
  @Field(() => ID) id: string;
  @Field() name: string;
}

@ObjectType()
export class EnrollmentToken {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'Public part of the token, to recognise it.' }) prefix: string;
  @Field(() => EnrollmentTokenGroup, { nullable: true }) group: EnrollmentTokenGroup | null;
  @Field() expiresAt: Date;
  @Field(() => Int, { nullable: true, description: 'null: unlimited until it expires.' }) maxUses: number | null;
  @Field(() => Int, { description: 'Enrollments made with the token so far.' }) uses: number;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
  @Field(() => EnrollmentTokenStatus) status: EnrollmentTokenStatus;
  @Field() createdAt: Date;
  @Field() createdBy: string;
}

@ObjectType()
export class CreatedEnrollmentToken {
  @Field(() => EnrollmentToken) enrollmentToken: EnrollmentToken;
  @Field({
    description: 'The full token (`bset_<prefix>_<secret>`). Shown only in this response; only its hash is stored.',
  })
  token: string;
}

@ObjectType()
export class EnrollmentTokenEdge {
  @Field() cursor: string;
  @Field(() => EnrollmentToken) node: EnrollmentToken;
}

@ObjectType()
export class EnrollmentTokenConnection {
  @Field(() => [EnrollmentTokenEdge]) edges: EnrollmentTokenEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}
