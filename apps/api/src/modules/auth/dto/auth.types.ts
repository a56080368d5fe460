import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

@InputType()
export class LoginInput {
  @Field()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;

  @Field({ nullable: true, description: 'Tenant to sign in to; the first membership when omitted.' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/)
  tenantSlug?: string;
}

@ObjectType()
export class TenantType {
  @Field(() => Int)
  id: number;

  @Field()
  slug: string;

  @Field()
  name: string;
}

@ObjectType('Viewer')
export class ViewerType {
  @Field(() => ID)
  userId: string;

  @Field()
  email: string;

  @Field()
  role: string;

  @Field(() => TenantType)
  tenant: TenantType;
}

@InputType()
export class SignUpInput {
  @Field()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @Field({ description: 'At least 12 characters.' })
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  tenantName: string;

  @Field({ description: 'URL name of the tenant: lower-case letters, digits and dashes.' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'tenantSlug must be 2-63 lower-case letters, digits or dashes' })
  tenantSlug: string;
}
