import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';
import { ProbeAnswers } from './probe-answers';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthRegistry, ProbeAnswers],
  exports: [HealthRegistry, ProbeAnswers],
})
export class HealthModule {}
