import { type StreamerLaunch } from '@webstream/contracts';
import { runService } from '@webstream/service-kit';
import { readStreamerLaunch } from './session/streamer-launch';
import { StreamerAgentModule } from './streamer-agent.module';

let launch: StreamerLaunch;
try {
  launch = readStreamerLaunch();
} catch (error) {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'streamer-agent', msg: (error as Error).message })}\n`,
  );
  process.exit(1);
}

void runService({
  service: 'streamer-agent',
  configOverrides: launch.configOverrides,
  module: (config) =>
    StreamerAgentModule.forRoot(config, launch, {
      // The session is over: shut down through the same hooks as the session host's SIGTERM.
      exit: () => process.kill(process.pid, 'SIGTERM'),
    }),
  // Only where the session host says: its secret keeps others out, and so does not listening everywhere.
  listen: () => ({ port: launch.port, host: launch.address, portKey: 'launch.port' }),
});
