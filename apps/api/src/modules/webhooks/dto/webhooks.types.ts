import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

@ObjectType({
  description: 'Where alert notifications are POSTed (Alertmanager webhook v4, Standard Webhooks signed).',
})
export class WebhookDestination {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() url: string;
  @Field() enabled: boolean;
  @Field(() => String, { nullable: true, description: 'Why the destination was disabled (410 Gone), if it was.' })
  disabledReason: string | null;
  @Field(() => Int, { description: 'Secrets messages are signed with (more than one while rotating).' })
  secretCount: number;
  @Field(() => Int) maxAttempts: number;
  @Field(() => Int) timeoutMs: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'A destination with a secret, shown only once (on creation or rotation).' })
export class WebhookDestinationWithSecret {
  @Field(() => WebhookDestination) destination: WebhookDestination;
  @Field({ description: 'The Standard Webhooks secret (whsec_…); not shown again.' }) secret: string;
}

@InputType()
export class CreateWebhookDestinationInput {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @Field({ description: 'http(s) URL; its host must resolve to public addresses.' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @Field({ nullable: true, description: 'A whsec_… secret to use; one is generated when omitted.' })
  @IsOptional()
  @Matches(SECRET, { message: 'secret must be whsec_ followed by base64' })
  @MaxLength(200)
  secret?: string;

  @Field(() => Int, { defaultValue: 8 })
  @IsInt()
  @Min(1)
  @Max(20)
  maxAttempts = 8;

  @Field(() => Int, { defaultValue: 10000, description: 'Per-attempt timeout in milliseconds.' })
  @IsInt()
  @Min(500)
  @Max(30000)
  timeoutMs = 10000;
}

@InputType()
export class UpdateWebhookDestinationInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @Field({ nullable: true, description: 'Enabling again clears disabledReason.' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  maxAttempts?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(500)
  @Max(30000)
  timeoutMs?: number;
}

@InputType()
export class RotateWebhookSecretInput {
  @Field({ nullable: true, description: 'The new secret; generated when omitted.' })
  @IsOptional()
  @Matches(SECRET, { message: 'secret must be whsec_ followed by base64' })
  @MaxLength(200)
  secret?: string;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'Keep signing with the previous secrets too (at most 3 in all) until receivers have switched.',
  })
  @IsBoolean()
  keepPrevious = true;
}

@ObjectType()
export class WebhookDeliveryAttempt {
  @Field(() => Int) attempt: number;
  @Field(() => Int, { nullable: true, description: 'HTTP status; null when no response (timeout, refused).' })
  statusCode: number | null;
  @Field(() => Int) durationMs: number;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field({ description: 'The first 512 bytes of the response body.' }) responseSnippet: string;
  @Field() at: Date;
}

@ObjectType()
export class WebhookDelivery {
  @Field(() => ID) id: string;
  @Field(() => ID) destinationId: string;
  @Field({ description: 'The webhook-id header, the same on every attempt.' }) messageId: string;
  @Field({ description: 'alert or test.' }) kind: string;
  @Field({ description: 'pending, delivered, dead (dead letter: attempts exhausted or address refused) or disabled.' })
  status: string;
  @Field(() => Int) attempts: number;
  @Field({ description: 'The JSON body sent.' }) payload: string;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
  @Field(() => [WebhookDeliveryAttempt]) attemptLog: WebhookDeliveryAttempt[];
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'disabled'] as const;

@InputType()
export class WebhookDeliveryFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  destinationId?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: string;

  @Field(() => Int, { defaultValue: 50 })
  @IsInt()
  @Min(1)
  @Max(200)
  first = 50;
}
