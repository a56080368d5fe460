import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsOptional, Matches, MaxLength, MinLength } from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';

const NAME = /^[\p{L}\p{N} ._-]+$/u;

@InputType()
export class TeamInput {
  @Field()
  @MinLength(1)
  @MaxLength(80)
  @Matches(NAME, { message: 'name may contain letters, digits, spaces, dots, dashes and underscores' })
  name: string;

  @Field({ nullable: true, defaultValue: '' })
  @IsOptional()
  @MaxLength(500)
  description?: string;
}

@ObjectType()
export class TeamMemberEntry {
  @Field(() => ID) userId: string;
  @Field() email: string;
  @Field() name: string;
}

@ObjectType()
export class Team {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() description: string;
  @Field() createdAt: Date;
  @Field(() => [TeamMemberEntry]) members: TeamMemberEntry[];
}

@ObjectType()
export class TeamEdge {
  @Field() cursor: string;
  @Field(() => Team) node: Team;
}

@ObjectType()
export class TeamConnection {
  @Field(() => [TeamEdge]) edges: TeamEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}
