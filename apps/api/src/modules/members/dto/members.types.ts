import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsEmail, IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';
import { ROLES } from '../../auth/viewer.js';

@ObjectType()
export class Member {
  @Field(() => ID) userId: string;
  @Field() email: string;
  @Field() role: string;
  @Field() joinedAt: Date;
}

@ObjectType()
export class MemberEdge {
  @Field() cursor: string;
  @Field(() => Member) node: Member;
}

@ObjectType()
export class MemberConnection {
  @Field(() => [MemberEdge]) edges: MemberEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}

@ObjectType()
export class Invitation {
  @Field(() => ID) id: string;
  @Field() email: string;
  @Field() role: string;
  @Field() expiresAt: Date;
  @Field(() => Date, { nullable: true }) acceptedAt: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
  @Field() createdAt: Date;
}

@ObjectType()
export class InvitationEdge {
  @Field() cursor: string;
  @Field(() => Invitation) node: Invitation;
}

@ObjectType()
export class InvitationConnection {
  @Field(() => [InvitationEdge]) edges: InvitationEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}

@InputType()
export class InviteMemberInput {
  @Field()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @Field({ defaultValue: 'viewer' })
  @IsIn(ROLES)
  role: string;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

@InputType()
export class AcceptInvitationInput {
  @Field()
  @Matches(TOKEN, { message: 'token is malformed' })
  token: string;

  @Field({ description: "Your password: a new one if you have no account yet, else your account's password." })
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password: string;
}

@InputType()
export class ResetPasswordInput {
  @Field()
  @Matches(TOKEN, { message: 'token is malformed' })
  token: string;

  @Field()
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password: string;
}

@InputType()
export class ChangeMemberRoleInput {
  @Field(() => ID)
  @IsString()
  @MaxLength(64)
  userId: string;

  @Field()
  @IsIn(ROLES)
  role: string;
}

@ObjectType()
export class TenantMembership {
  @Field() slug: string;
  @Field() name: string;
  @Field() role: string;
  @Field({ description: 'True for the tenant of the current session.' }) current: boolean;
}
