import { type StreamerLaunch } from '@webstream/contracts';
import { runService } from '@webstream/service-kit';
import { readStreamerLaunch } from './session/streamer-launch';
import { StreamerAgentModule } from './streamer-agent.module';

let launch: StreamerLaunch;
try {
  launch = readStreamerLaunch(process.env);
} catch (error) {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'streamer-agent', msg: (error as Error).message })}\n`,
  );
  process.exit(1);
}

void runService({
  service: 'streamer-agent',
  module: (config) =>
    StreamerAgentModule.forRoot(config, launch, {
      // The session is over: shut down through the same hooks as the session host's SIGTERM.
      exit: () => process.kill(process.pid, 'SIGTERM'),
    }),
  listen: (config) => ({
    port: launch.port,
    host: config.sessionHost.publicIP,
    portKey: 'WEBSTREAM_STREAMER_SESSION.port',
  }),
});
