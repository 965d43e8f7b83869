// The real metrics engine (apps/metrics-engine/dist/main.js): a ServiceProcess with its database and the
// service token every caller of /api/* presents.
import { randomToken, ServiceProcess } from './service';

export interface EngineOptions {
  databaseUrl: string;
  /** Working directory: no webstream.config.yaml there, so only the environment configures it. */
  cwd: string;
}

export class MetricsEngineProcess {
  private constructor(
    readonly service: ServiceProcess,
    readonly serviceToken: string,
  ) {}

  /** Starts the engine and waits for GET /health/ready to answer 200 (it migrates its database first). */
  static async start(options: EngineOptions): Promise<MetricsEngineProcess> {
    const serviceToken = randomToken();
    const service = await ServiceProcess.start({
      name: 'metrics engine',
      main: 'apps/metrics-engine/dist/main.js',
      portKey: 'WEBSTREAM__METRICSENGINE__HTTPPORT',
      env: {
        WEBSTREAM__METRICSENGINE__DATABASEURL: options.databaseUrl,
        WEBSTREAM__METRICSENGINE__SERVICETOKEN: serviceToken,
        WEBSTREAM__METRICSENGINE__PUBLICIP: '127.0.0.1',
      },
      cwd: options.cwd,
    });
    return new MetricsEngineProcess(service, serviceToken);
  }

  get url(): string {
    return this.service.url;
  }

  get pid(): number {
    return this.service.pid;
  }

  output(): string {
    return this.service.output();
  }

  assertRunning(): void {
    this.service.assertRunning();
  }

  /** GET with the service token; the body is read fully, so the time covers the whole answer. */
  get(path: string): Promise<{ status: number; body: string }> {
    return this.service.get(path, this.serviceToken);
  }

  serverTime(method: string, route: string): Promise<{ seconds: number; requests: number }> {
    return this.service.serverTime(method, route);
  }

  cpuSeconds(): Promise<number | undefined> {
    return this.service.cpuSeconds();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }
}
