import { Field, Float, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ThresholdDirection } from '../forecast-model.js';
import { FORECAST_METRICS, FORECAST_SOURCES, type ForecastMetric, type ForecastSource } from '../series-sources.js';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const ForecastSourceEnum = enumOf(FORECAST_SOURCES);
export const ForecastMetricEnum = enumOf(FORECAST_METRICS);
export const ForecastStatusEnum = enumOf(['OK', 'CONSTANT', 'NOT_ENOUGH_HISTORY'] as const);
export type ForecastStatus = keyof typeof ForecastStatusEnum;

registerEnumType(ForecastSourceEnum, {
  name: 'ForecastSource',
  description: 'What is forecast: a service (as server), a host, or the caller’s tenant itself.',
});
registerEnumType(ForecastMetricEnum, {
  name: 'ForecastMetric',
  description:
    'REQUEST_RATE (SERVICE, req/s); CPU_PERCENT, MEMORY_PERCENT, DISK_PERCENT, NETWORK_BYTES_PER_SECOND (HOST); INGEST_ROWS_PER_HOUR, STORAGE_BYTES (TENANT).',
});
registerEnumType(ForecastStatusEnum, {
  name: 'ForecastStatus',
  description:
    'OK: fitted; CONSTANT: the history does not vary, the forecast is flat; NOT_ENOUGH_HISTORY: fewer than 48 hourly points.',
});

const THRESHOLD_DIRECTIONS = ['RISING', 'FALLING'] as const;
export const INTERVAL_PERCENTS = [80, 95] as const;
export const MAX_HORIZON_HOURS = 30 * 24;

@InputType()
export class ForecastInput {
  @Field(() => ForecastSourceEnum)
  @IsIn(FORECAST_SOURCES)
  source: ForecastSource;

  @Field({ nullable: true, description: 'Service or host name (exact); ignored for TENANT.' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  target?: string;

  @Field(() => ForecastMetricEnum)
  @IsIn(FORECAST_METRICS)
  metric: ForecastMetric;

  @Field(() => Int, { nullable: true, description: 'Hours ahead (1–720, default 168 = 7 days).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_HORIZON_HOURS)
  horizonHours?: number;

  @Field(() => Int, { nullable: true, description: 'Prediction interval: 80 or 95 (default) percent.' })
  @IsOptional()
  @IsIn(INTERVAL_PERCENTS)
  intervalPercent?: number;

  @Field(() => Float, { nullable: true, description: 'Report when the forecast first reaches this value.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1e15)
  @Max(1e15)
  threshold?: number;

  @Field(() => String, {
    nullable: true,
    description: 'RISING (default: a ceiling, "CPU reaches 80 %") or FALLING (a floor).',
  })
  @IsOptional()
  @IsIn(THRESHOLD_DIRECTIONS)
  thresholdDirection?: ThresholdDirection;

  @Field(() => Int, { nullable: true, description: 'Days of hourly history to fit on (2–31, default 28).' })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(31)
  historyDays?: number;
}

@InputType()
export class ForecastRunsOutFirstInput {
  @Field(() => ForecastMetricEnum, { description: 'A HOST metric.' })
  @IsIn(FORECAST_METRICS)
  metric: ForecastMetric;

  @Field(() => Float)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1e15)
  @Max(1e15)
  threshold: number;

  @Field(() => Int, { nullable: true, description: 'Hours ahead (1–720, default 168).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_HORIZON_HOURS)
  horizonHours?: number;

  @Field(() => Int, { nullable: true, description: 'How many hosts to answer (1–20, default 5).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  first?: number;
}

@ObjectType()
export class ForecastHistoryPoint {
  @Field() time: Date;
  @Field(() => Float) value: number;
}

@ObjectType()
export class ForecastPoint {
  @Field() time: Date;
  @Field(() => Float) value: number;
  @Field(() => Float) lower: number;
  @Field(() => Float) upper: number;
}

@ObjectType({ description: 'Errors of the same model fitted without the last horizon and scored on it.' })
export class ForecastBacktest {
  @Field(() => Int) holdoutPoints: number;
  @Field(() => Float, { nullable: true, description: 'Mean absolute percentage error, % (null: all actuals 0).' })
  mape: number | null;
  @Field(() => Float, { description: 'Symmetric MAPE, % (0–200).' }) smape: number;
  @Field(() => Float, { description: 'Mean absolute error in the metric’s unit.' }) mae: number;
}

@ObjectType()
export class ForecastThresholdCrossing {
  @Field(() => Float) threshold: number;
  @Field({ description: 'RISING (a ceiling) or FALLING (a floor).' })
  direction: string;
  @Field({ description: 'The last observed value is already at or past the threshold.' }) alreadyCrossed: boolean;
  @Field(() => Date, {
    nullable: true,
    description: 'When the point forecast first reaches it (null: not within the horizon).',
  })
  at: Date | null;
  @Field(() => Float, { nullable: true }) hours: number | null;
  @Field(() => Date, { nullable: true, description: 'When the pessimistic interval bound first reaches it.' })
  earliestAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the optimistic interval bound first reaches it.' })
  latestAt: Date | null;
  @Field({ description: 'The answer in words, e.g. "CPU reaches 80 % in 9 days".' }) summary: string;
}

@ObjectType()
export class ForecastResult {
  @Field(() => ForecastSourceEnum) source: ForecastSource;
  @Field() target: string;
  @Field(() => ForecastMetricEnum) metric: ForecastMetric;
  @Field() unit: string;
  @Field(() => ForecastStatusEnum) status: ForecastStatus;
  @Field({ description: 'What the status means for this series, in words.' }) message: string;
  @Field(() => [Int], { description: 'Seasonal periods the model used, in hours (24, 168).' })
  seasonalPeriodsHours: number[];
  @Field(() => Int) stepSeconds: number;
  @Field(() => [ForecastHistoryPoint]) history: ForecastHistoryPoint[];
  @Field(() => Int, { description: 'History hours without data, filled (interpolated or 0, see the metric).' })
  missingHistoryPoints: number;
  @Field(() => [ForecastPoint]) points: ForecastPoint[];
  @Field(() => Int) intervalPercent: number;
  @Field(() => ForecastBacktest, { nullable: true }) backtest: ForecastBacktest | null;
  @Field(() => ForecastThresholdCrossing, { nullable: true }) thresholdCrossing: ForecastThresholdCrossing | null;
  @Field(() => Float, { description: 'Time to fit the model and its backtest, ms.' }) fitMs: number;
}
