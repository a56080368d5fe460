import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ForecastMetricEnum, ForecastSourceEnum, MAX_HORIZON_HOURS } from '../../forecasts/dto/forecast.types.js';
import {
  FORECAST_METRICS,
  FORECAST_SOURCES,
  type ForecastMetric,
  type ForecastSource,
} from '../../forecasts/series-sources.js';
import { FORECAST_BOUNDS, type ForecastBound } from '../forecast-rules.js';
import { OPERATORS } from '../state-machine.js';

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
export const FILTER_OPS = ['=', '!=', '=~', '!~'] as const;
export const MATCHER_OPS = ['=', '!='] as const;
export const NO_DATA_POLICIES = ['no_data', 'ok', 'alerting'] as const;
export const RECURRENCES = ['none', 'daily', 'weekly'] as const;
export const RULE_KINDS = ['threshold', 'forecast'] as const;

const ForecastBoundEnum = Object.fromEntries(FORECAST_BOUNDS.map((b) => [b, b])) as Record<
  ForecastBound,
  ForecastBound
>;
registerEnumType(ForecastBoundEnum, {
  name: 'AlertForecastBound',
  description:
    'Which forecast line must reach the threshold: POINT (the forecast itself), INTERVAL_80 or INTERVAL_95 (the pessimistic bound of that prediction interval: upper for > and >=, lower for < and <=).',
});

@InputType({ description: 'A forecast rule: "the forecast of this series reaches the threshold within horizonHours".' })
export class AlertForecastInput {
  @Field(() => ForecastSourceEnum)
  @IsIn(FORECAST_SOURCES)
  source: ForecastSource;

  @Field({
    nullable: true,
    description:
      'Service or host name (exact), or "*" for every host of the tenant (one alert per host); ignored for TENANT.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  target?: string;

  @Field(() => ForecastMetricEnum)
  @IsIn(FORECAST_METRICS)
  metric: ForecastMetric;

  @Field(() => Int, { defaultValue: 72, description: 'Hours ahead the crossing counts (1–720).' })
  @IsInt()
  @Min(1)
  @Max(MAX_HORIZON_HOURS)
  horizonHours: number;

  @Field(() => ForecastBoundEnum, { defaultValue: 'POINT' })
  @IsIn(FORECAST_BOUNDS)
  bound: ForecastBound;

  @Field(() => Int, { defaultValue: 28, description: 'Days of hourly history to fit on (2–31).' })
  @IsInt()
  @Min(2)
  @Max(31)
  historyDays: number;
}

@ObjectType()
export class AlertForecast {
  @Field(() => ForecastSourceEnum) source: ForecastSource;
  @Field() target: string;
  @Field(() => ForecastMetricEnum) metric: ForecastMetric;
  @Field(() => Int) horizonHours: number;
  @Field(() => ForecastBoundEnum) bound: ForecastBound;
  @Field(() => Int) historyDays: number;
}

@ObjectType()
export class AlertLabel {
  @Field() name: string;
  @Field() value: string;
}

@InputType()
export class AlertLabelInput {
  @Field()
  @Matches(LABEL_NAME, { message: 'label names are letters, digits and _, not starting with a digit' })
  name: string;

  @Field()
  @IsString()
  @MaxLength(1024)
  value: string;
}

@ObjectType()
export class AlertLabelFilter {
  @Field() label: string;
  @Field({ description: '=, !=, =~ or !~ (regular expressions are RE2, anchored).' }) op: string;
  @Field() value: string;
}

@InputType()
export class AlertLabelFilterInput {
  @Field()
  @Matches(LABEL_NAME, { message: 'label names are letters, digits and _, not starting with a digit' })
  label: string;

  @Field()
  @IsIn(FILTER_OPS)
  op: string;

  @Field()
  @IsString()
  @MaxLength(512)
  value: string;
}

@InputType()
export class AlertRuleInput {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[^\n\r]+$/, { message: 'name must be one line' })
  name: string;

  @Field({
    defaultValue: 'threshold',
    description: 'threshold (a metric compared with the threshold) or forecast (its forecast, see forecast).',
  })
  @IsIn(RULE_KINDS)
  kind: string;

  @Field({
    defaultValue: '',
    description: 'Threshold rules: a name from alertMetrics, or prometheus:<metric name>. Ignored by forecast rules.',
  })
  @IsString()
  @MaxLength(212)
  metric: string;

  @Field(() => AlertForecastInput, { nullable: true, description: 'Forecast rules: the series and how to read it.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AlertForecastInput)
  forecast?: AlertForecastInput | null;

  @Field(() => [AlertLabelFilterInput], { defaultValue: [] })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AlertLabelFilterInput)
  filters: AlertLabelFilterInput[];

  @Field(() => [String], { defaultValue: [], description: 'One alert per combination of these labels.' })
  @ArrayMaxSize(10)
  @Matches(LABEL_NAME, { each: true })
  groupBy: string[];

  @Field(() => Int, { defaultValue: 60, description: 'Seconds of data each evaluation aggregates.' })
  @IsInt()
  @Min(15)
  @Max(86_400)
  windowSeconds: number;

  @Field({ description: '>, >=, <, <=, == or !=' })
  @IsIn(OPERATORS)
  operator: string;

  @Field(() => Float)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold: number;

  @Field(() => Int, { defaultValue: 0, description: 'How long the condition must hold before the alert fires.' })
  @IsInt()
  @Min(0)
  @Max(86_400)
  forSeconds: number;

  @Field({ defaultValue: 'no_data', description: 'When the query returns nothing: no_data, ok or alerting.' })
  @IsIn(NO_DATA_POLICIES)
  noData: string;

  @Field(() => [AlertLabelInput], { defaultValue: [] })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AlertLabelInput)
  labels: AlertLabelInput[];

  @Field(() => [AlertLabelInput], {
    defaultValue: [],
    description:
      'Templated: {{ $labels.<name> }} and {{ $value }}. Alerts of forecast rules also carry forecast_summary, time_to_threshold, time_to_threshold_hours, threshold_crossing_at, backtest_mape_percent, backtest_mae and backtest_holdout_hours (an annotation of the same name given here replaces one).',
  })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AlertLabelInput)
  annotations: AlertLabelInput[];

  @Field(() => Int, {
    defaultValue: 30,
    description: 'Seconds between evaluations: 15–60 for threshold rules, 60–3600 for forecast rules.',
  })
  @IsInt()
  @Min(15)
  @Max(3600)
  intervalSeconds: number;

  @Field(() => [String], { defaultValue: [], description: 'Notification grouping labels (besides alertname).' })
  @ArrayMaxSize(10)
  @Matches(LABEL_NAME, { each: true })
  notifyGroupBy: string[];

  @Field(() => Int, { defaultValue: 0 })
  @IsInt()
  @Min(0)
  @Max(3600)
  groupWaitSeconds: number;

  @Field(() => Int, { defaultValue: 60 })
  @IsInt()
  @Min(0)
  @Max(86_400)
  groupIntervalSeconds: number;

  @Field(() => Int, { defaultValue: 14_400 })
  @IsInt()
  @Min(60)
  @Max(604_800)
  repeatIntervalSeconds: number;

  @Field(() => [ID], { defaultValue: [] })
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  destinationIds: string[];

  @Field({ defaultValue: true })
  @IsBoolean()
  enabled: boolean;
}

@ObjectType()
export class AlertRule {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'threshold or forecast.' }) kind: string;
  @Field({ description: 'Forecast rules: forecast:<ForecastMetric>.' }) metric: string;
  @Field(() => AlertForecast, { nullable: true }) forecast: AlertForecast | null;
  @Field(() => [AlertLabelFilter]) filters: AlertLabelFilter[];
  @Field(() => [String]) groupBy: string[];
  @Field(() => Int) windowSeconds: number;
  @Field() operator: string;
  @Field(() => Float) threshold: number;
  @Field(() => Int) forSeconds: number;
  @Field() noData: string;
  @Field(() => [AlertLabel]) labels: AlertLabel[];
  @Field(() => [AlertLabel]) annotations: AlertLabel[];
  @Field(() => Int) intervalSeconds: number;
  @Field(() => [String]) notifyGroupBy: string[];
  @Field(() => Int) groupWaitSeconds: number;
  @Field(() => Int) groupIntervalSeconds: number;
  @Field(() => Int) repeatIntervalSeconds: number;
  @Field(() => [ID]) destinationIds: string[];
  @Field() enabled: boolean;
  @Field() createdBy: string;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'One alert: a rule and the values of its group-by labels.' })
export class AlertInstance {
  @Field(() => ID) id: string;
  @Field(() => ID) ruleId: string;
  @Field({ description: 'Alertmanager fingerprint of the labels.' }) fingerprint: string;
  @Field(() => [AlertLabel]) labels: AlertLabel[];
  @Field(() => [AlertLabel]) annotations: AlertLabel[];
  @Field({ description: 'inactive, pending, firing, resolved or no_data.' }) state: string;
  @Field(() => Float, { nullable: true }) value: number | null;
  @Field(() => Date, { nullable: true }) activeAt: Date | null;
  @Field(() => Date, { nullable: true }) firedAt: Date | null;
  @Field(() => Date, { nullable: true }) resolvedAt: Date | null;
  @Field() lastEvalAt: Date;
}

@ObjectType()
export class AlertHistoryEntry {
  @Field(() => ID) id: string;
  @Field(() => ID) ruleId: string;
  @Field() fingerprint: string;
  @Field(() => [AlertLabel]) labels: AlertLabel[];
  @Field() fromState: string;
  @Field() toState: string;
  @Field(() => Float, { nullable: true }) value: number | null;
  @Field() at: Date;
}

@InputType()
export class AlertHistoryFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ruleId?: string;

  @Field(() => Int, { defaultValue: 100 })
  @IsInt()
  @Min(1)
  @Max(500)
  first = 100;
}

@ObjectType()
export class AlertMetricInfo {
  @Field() name: string;
  @Field() description: string;
  @Field() unit: string;
  @Field(() => [String]) labels: string[];
}

@ObjectType()
export class SilenceMatcher {
  @Field() label: string;
  @Field() op: string;
  @Field() value: string;
}

@InputType()
export class SilenceMatcherInput {
  @Field()
  @Matches(LABEL_NAME, { message: 'label names are letters, digits and _, not starting with a digit' })
  label: string;

  @Field({ description: '= or !=' })
  @IsIn(MATCHER_OPS)
  op: string;

  @Field()
  @IsString()
  @MaxLength(1024)
  value: string;
}

@ObjectType({ description: 'Suppresses notifications of matching alerts for a while; their state is still kept.' })
export class Silence {
  @Field(() => ID) id: string;
  @Field(() => [SilenceMatcher]) matchers: SilenceMatcher[];
  @Field() startsAt: Date;
  @Field() endsAt: Date;
  @Field() createdBy: string;
  @Field() comment: string;
  @Field() createdAt: Date;
  @Field() active: boolean;
}

@InputType()
export class CreateSilenceInput {
  @Field(() => [SilenceMatcherInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => SilenceMatcherInput)
  matchers: SilenceMatcherInput[];

  @Field({ nullable: true, description: 'Now when omitted.' })
  @IsOptional()
  startsAt?: Date;

  @Field()
  endsAt: Date;

  @Field({ defaultValue: '' })
  @IsString()
  @MaxLength(1000)
  comment: string;
}

@ObjectType({ description: 'Planned suppression: one-off or recurring (UTC).' })
export class SilenceMaintenanceWindow {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => [SilenceMatcher], { description: 'Empty: every alert of the tenant.' }) matchers: SilenceMatcher[];
  @Field({ description: 'none, daily or weekly.' }) recurrence: string;
  @Field() startsAt: Date;
  @Field(() => Date, { nullable: true }) endsAt: Date | null;
  @Field(() => Int) durationMinutes: number;
  @Field(() => [Int]) weekdays: number[];
  @Field() createdBy: string;
  @Field({ description: 'Whether it suppresses notifications right now.' }) activeNow: boolean;
}

@InputType()
export class CreateMaintenanceWindowInput {
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @Field(() => [SilenceMatcherInput], { defaultValue: [] })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => SilenceMatcherInput)
  matchers: SilenceMatcherInput[];

  @Field({ defaultValue: 'none' })
  @IsIn(RECURRENCES)
  recurrence: string;

  @Field({ description: 'One-off: the start. Recurring: the first occurrence (its UTC time of day repeats).' })
  startsAt: Date;

  @Field({ nullable: true, description: 'One-off: required. Recurring: no occurrences after it.' })
  @IsOptional()
  endsAt?: Date;

  @Field(() => Int, { defaultValue: 60, description: 'Recurring: length of each occurrence.' })
  @IsInt()
  @Min(1)
  @Max(10_080)
  durationMinutes: number;

  @Field(() => [Int], { defaultValue: [], description: 'Weekly: 0 = Sunday … 6 = Saturday.' })
  @ArrayMaxSize(7)
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(6, { each: true })
  weekdays: number[];
}
