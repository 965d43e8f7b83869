import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { HealthRegistry } from './health/health.registry';
import { createServiceApp, type ServiceAppOptions } from './service-app';

export interface TestService {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Boots an app's module as runService would, on a loopback port (a free one unless given). */
export async function startTestService(
  module: Type | DynamicModule,
  options: ServiceAppOptions & { port?: number } = {},
): Promise<TestService> {
  const app = await createServiceApp(module, options);
  await app.listen(options.port ?? 0, '127.0.0.1');
  app.get(HealthRegistry).markStarted();
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
