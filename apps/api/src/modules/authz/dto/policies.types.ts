import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ConnectionPageInfo } from '../../../pagination.js';
import { ROLES } from '../../auth/viewer.js';
import { Team } from '../../teams/dto/teams.types.js';
import { ACTIONS, ATTRIBUTES, RESOURCE_TYPES } from '../resources.js';

export enum PolicyEffect {
  ALLOW = 'allow',
  DENY = 'deny',
}
registerEnumType(PolicyEffect, { name: 'PolicyEffect', description: 'A matching DENY always wins over ALLOW.' });

export enum PolicyBinding {
  MEMBERS = 'members',
  ATTACHED = 'attached',
}
registerEnumType(PolicyBinding, {
  name: 'PolicyBinding',
  description:
    'MEMBERS: applies to members matching roles and teams (and their API keys). ATTACHED: only to API keys created with it.',
});

@InputType()
export class PolicyConditionInput {
  @Field({ description: `One of: ${ATTRIBUTES.join(', ')}.` })
  @IsIn(ATTRIBUTES)
  attribute: string;

  @Field({ nullable: true, description: 'Label key, for the label attribute only.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  key?: string;

  @Field({ description: 'in or notIn.' })
  @IsIn(['in', 'notIn'])
  operator: string;

  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  values: string[];
}

@InputType()
export class PolicyInput {
  @Field()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[\p{L}\p{N} ._:-]+$/u, {
    message: 'name may contain letters, digits, spaces, dots, colons, dashes and underscores',
  })
  name: string;

  @Field({ nullable: true, defaultValue: '' })
  @IsOptional()
  @MaxLength(500)
  description?: string;

  @Field(() => PolicyEffect)
  @IsIn(Object.values(PolicyEffect))
  effect: PolicyEffect;

  @Field(() => PolicyBinding, { defaultValue: PolicyBinding.MEMBERS })
  @IsIn(Object.values(PolicyBinding))
  binding: PolicyBinding;

  @Field(() => [String], { description: `Any of: ${ACTIONS.join(', ')}.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(ACTIONS.length)
  @IsIn(ACTIONS, { each: true })
  actions: string[];

  @Field(() => [String], { description: `Any of: ${RESOURCE_TYPES.join(', ')}.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(RESOURCE_TYPES.length)
  @IsIn(RESOURCE_TYPES, { each: true })
  resources: string[];

  @Field(() => [String], { defaultValue: [], description: 'Applies to these roles; empty means every role.' })
  @ArrayMaxSize(4)
  @IsIn(ROLES, { each: true })
  roles: string[];

  @Field(() => [ID], { defaultValue: [], description: 'Applies to members of these teams; empty means anyone.' })
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  teamIds: string[];

  @Field(() => [PolicyConditionInput], { defaultValue: [], description: 'All must hold.' })
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => PolicyConditionInput)
  conditions: PolicyConditionInput[];

  @Field(() => [String], { defaultValue: [], description: 'Field-level rule: only these fields (see authzCatalog).' })
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  fields: string[];

  @Field({ defaultValue: true })
  @IsBoolean()
  enabled: boolean;
}

@ObjectType()
export class PolicyCondition {
  @Field() attribute: string;
  @Field(() => String, { nullable: true }) key: string | null;
  @Field() operator: string;
  @Field(() => [String]) values: string[];
}

@ObjectType()
export class Policy {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() description: string;
  @Field(() => PolicyEffect) effect: PolicyEffect;
  @Field(() => PolicyBinding) binding: PolicyBinding;
  @Field(() => [String]) actions: string[];
  @Field(() => [String]) resources: string[];
  @Field(() => [String]) roles: string[];
  @Field(() => [Team], { description: 'Teams the policy applies to (empty: anyone matching the roles).' })
  teams: Team[];
  @Field(() => [PolicyCondition]) conditions: PolicyCondition[];
  @Field(() => [String]) fields: string[];
  @Field() enabled: boolean;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
export class PolicyEdge {
  @Field() cursor: string;
  @Field(() => Policy) node: Policy;
}

@ObjectType()
export class PolicyConnection {
  @Field(() => [PolicyEdge]) edges: PolicyEdge[];
  @Field(() => ConnectionPageInfo) pageInfo: ConnectionPageInfo;
}

@ObjectType()
export class ResourceTypeInfo {
  @Field() name: string;
  @Field(() => [String], { description: 'Attributes policy conditions can use on this type.' }) attributes: string[];
  @Field(() => [String], { description: 'Fields a field-level policy can hide.' }) fields: string[];
}

@ObjectType({ description: 'The vocabulary of policies, for editors and automation.' })
export class AuthzCatalog {
  @Field(() => [String]) actions: string[];
  @Field(() => [String]) roles: string[];
  @Field(() => [ResourceTypeInfo]) resources: ResourceTypeInfo[];
}

@InputType()
export class ResourceAttributesInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) namespace?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) service?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(253) environment?: string;
  @Field({ nullable: true, description: 'Agent group name.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  agentGroup?: string;
  @Field(() => [String], { nullable: true, description: 'Labels as key=value.' })
  @IsOptional()
  @ArrayMaxSize(50)
  @Matches(/^[^=\p{Cc}]{1,63}=[^\p{Cc}]{0,253}$/u, { each: true, message: 'labels look like key=value' })
  labels?: string[];
}

@InputType()
export class SimulateAccessInput {
  @Field(() => ID, { nullable: true, description: 'A member of the tenant; yourself when neither this nor apiKeyId.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  userId?: string;

  @Field(() => ID, { nullable: true, description: 'An API key of the tenant.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  apiKeyId?: string;

  @Field()
  @IsIn(ACTIONS)
  action: string;

  @Field()
  @IsIn(RESOURCE_TYPES)
  resource: string;

  @Field(() => ResourceAttributesInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ResourceAttributesInput)
  attributes?: ResourceAttributesInput;

  @Field({ nullable: true, description: 'Check one field (field-level policies).' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  field?: string;
}

@ObjectType()
export class DecidingRule {
  @Field({ description: 'role, policy or apiKeyPolicy.' }) source: string;
  @Field({ description: 'Role name or policy name.' }) name: string;
  @Field({ description: 'allow or deny.' }) effect: string;
  @Field(() => ID, { nullable: true }) policyId: string | null;
}

@ObjectType()
export class AccessDecision {
  @Field() allowed: boolean;
  @Field({ description: 'Which rule decided, in words.' }) reason: string;
  @Field(() => DecidingRule, { nullable: true, description: 'Null when nothing allows it (default deny).' })
  decidedBy: DecidingRule | null;
  @Field({ description: 'Who was simulated.' }) subject: string;
  @Field() role: string;
  @Field(() => [String], { description: 'Team names of the subject.' }) teams: string[];
  @Field(() => [String], { description: 'Names of the policies that apply to the subject.' })
  applicablePolicies: string[];
}
