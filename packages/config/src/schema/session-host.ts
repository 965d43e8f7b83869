import { z } from 'zod';
import {
  enumOf,
  flag,
  hostOrIp,
  httpBaseUrl,
  isIpOrHostName,
  nameList,
  port,
  rule,
  seconds,
  text,
  wholeNumber,
} from './primitives';

const UID_RULE = 'must be a whole number between 1000 and 4294967294';
function uid(defaultUid: number) {
  return z
    .number({ error: rule(UID_RULE) })
    .int({ error: UID_RULE })
    .min(1000, { error: UID_RULE })
    .max(0xfffffffe, { error: UID_RULE })
    .default(defaultUid);
}

/** The host's default limits of one session's application; a workspace policy's sandbox.limits overrides them. */
const sessionLimitsSchema = z.strictObject({
  memoryMb: wholeNumber(16).default(2048),
  cpus: z
    .number({ error: rule('must be a number of cores, such as 0.5 or 2') })
    .min(0.01, { error: 'must be at least 0.01' })
    .default(1),
  processes: wholeNumber(8).default(256),
  openFiles: wholeNumber(64).default(4096),
  homeDiskMb: wholeNumber(1).default(2048),
});

const sandboxSchema = z
  .strictObject({
    mode: enumOf(['auto', 'bubblewrap', 'none'], 'auto'),
    uidRange: z
      .strictObject({ first: uid(200_000), last: uid(265_535) })
      .prefault({})
      .superRefine((range, ctx) => {
        if (range.last < range.first) {
          ctx.addIssue({ code: 'custom', path: ['last'], message: 'must not be below uidRange.first' });
        }
      }),
    homeRoot: text('a folder path').default('./.data/homes'),
    runtimeRoot: text('a folder path').default('/run/webstream'),
    home: enumOf(['persistent', 'ephemeral'], 'persistent'),
    network: enumOf(['host', 'none'], 'host'),
    limits: sessionLimitsSchema.prefault({}),
  })
  .prefault({});

export const sessionHostSchema = z
  .strictObject({
    publicIP: hostOrIp('0.0.0.0'),
    port: port(9005),
    serverUrl: httpBaseUrl('http://10.0.1.5:9005').optional(),
    // In the redirect topology (gateway.topology), the public URL of the gateway beside this host, where browsers
    // open its sessions' sockets.
    publicGatewayUrl: httpBaseUrl('https://host1.example.com').optional(),
    maxSessions: wholeNumber(1).default(10),
    tags: nameList('tags'),
    capabilities: nameList('capabilities'),
    instanceType: text('a machine type name such as m5.xlarge').optional(),
    streamerReadyTimeout: seconds(20),
    drainTimeout: seconds(60, 0),
    streamerAddress: z
      .string({ error: rule('must be an IP address or a host name') })
      .refine(isIpOrHostName, { error: 'must be an IP address or a host name' })
      .optional(),
    sandbox: sandboxSchema,
  })
  .transform((host) => ({
    publicIP: host.publicIP,
    port: host.port,
    serverUrl: host.serverUrl ?? `http://localhost:${host.port}`,
    publicGatewayUrl: host.publicGatewayUrl,
    maxSessions: host.maxSessions,
    tags: host.tags,
    capabilities: host.capabilities,
    instanceType: host.instanceType,
    streamerReadyTimeout: host.streamerReadyTimeout,
    drainTimeout: host.drainTimeout,
    // Streamers listen where the gateway reaches this host, and nowhere else; a name such as localhost
    // is the loopback address, so a streamer is never open on every interface by default.
    streamerAddress:
      host.streamerAddress ?? streamerAddressFor(host.serverUrl ?? `http://localhost:${host.port}`),
    sandbox: host.sandbox,
  }));

function streamerAddressFor(serverUrl: string): string {
  const hostname = new URL(serverUrl).hostname.replace(/^\[|\]$/g, '');
  if (hostname === 'localhost') return '127.0.0.1';
  return hostname;
}

export const streamerSchema = z.strictObject({
  basePort: port(9010),
  captureSource: enumOf(['auto', 'x11', 'synthetic'], 'auto'),
  frameRate: wholeNumber(1).max(60, { error: 'must be at most 60' }).default(30),
  width: wholeNumber(320).max(7680, { error: 'must be at most 7680' }).default(1280),
  height: wholeNumber(200).max(4320, { error: 'must be at most 4320' }).default(720),
  // ffmpeg's JPEG quantiser: 2 is the best picture; adaptive quality moves towards 31 when clients fall behind.
  jpegQuality: wholeNumber(2).max(31, { error: 'must be at most 31' }).default(5),
  // A client whose socket holds more than this is skipped (frames dropped) until it drains.
  maxBufferedBytes: wholeNumber(65_536).default(2 * 1024 * 1024),
  // OpenGL (GLX, in software) on the session's display, for applications that need it: it costs each session
  // about 55 MB more of Xvfb memory.
  glx: flag(false),
  telemetryInterval: seconds(5),
});
