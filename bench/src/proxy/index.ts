// bench/proxy: the gateway's data plane against nginx, in the same run. GET /getConnection proxied to a
// stand-in session host (requests/s, latency, CPU per request) through the gateway, through nginx and
// straight to the host; WebSocket round trips through the gateway, through nginx and straight to an echo
// streamer; and the gateway's memory holding as many idle relayed WebSockets as its open-file limit allows.
// The real gateway (built-in IAM) runs as a child process on a fresh database; the session host and the
// streamer are child processes too (upstream.ts), nginx runs from a generated configuration (nginx.ts).
import { type Suite, type SuiteContext } from '../suite';
import { measureGetConnection } from './get-connection';
import { measureIdleSockets } from './idle-sockets';
import { measureRoundTrips } from './round-trips';
import { setUpProxy } from './stage';

async function run(context: SuiteContext): Promise<void> {
  const stage = await setUpProxy(context);
  const { main, gateways, anomalies } = stage;
  await measureGetConnection(stage);
  await measureRoundTrips(stage);
  await gateways.stop(main.gateway, main.http);
  await measureIdleSockets(stage);

  gateways.checkNginx();
  anomalies.conclude(
    'every call got the expected answer, every socket closed 1000, nothing logged at warn or above',
  );
}

export const proxySuite: Suite = {
  name: 'proxy',
  description:
    'proxy: GET /getConnection and WebSocket round trips through the gateway vs nginx and straight to the upstream; gateway RSS holding 8,000+ idle relayed WebSockets',
  run,
};
