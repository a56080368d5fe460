import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ForecastsResolver } from './forecasts.resolver.js';
import { ForecastsService } from './forecasts.service.js';

@Module({
  imports: [AuthModule],
  providers: [ForecastsResolver, ForecastsService],
  exports: [ForecastsService],
})
export class ForecastsModule {}
