import { Field, InputType, ObjectType } from '@nestjs/graphql';
import { IsIn, IsString, IsUrl, MaxLength, MinLength } from 'class-validator';
import { ROLES } from '../auth/viewer.js';

@InputType()
export class ConfigureSsoInput {
  @Field({ description: 'OpenID Provider issuer URL (discovery at <issuer>/.well-known/openid-configuration).' })
  @IsUrl({ require_tld: false, protocols: ['https', 'http'] })
  @MaxLength(500)
  issuer: string;

  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  clientId: string;

  @Field({ description: 'Stored encrypted; never returned.' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  clientSecret: string;

  @Field({ defaultValue: 'viewer', description: 'Role for users who first sign in through SSO.' })
  @IsIn(ROLES)
  defaultRole: string;
}

@ObjectType()
export class SsoConnection {
  @Field() issuer: string;
  @Field() clientId: string;
  @Field() defaultRole: string;
  @Field({ description: 'Where users start SSO sign-in for this tenant.' }) loginUrl: string;
  @Field({ description: 'Register this as the redirect URI at the provider.' }) redirectUri: string;
  @Field() updatedAt: Date;
}
