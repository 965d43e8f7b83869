import { z } from 'zod';
import { defineEndpoint } from './endpoint';

/** A node counts as live while it has reported within this window (three heartbeats by default). */
export const LIVE_NODE_WINDOW_SECONDS = 30;

export const liveNodeSchema = z.object({
  node: z.string(),
  cpuUsage: z.number().nullable(),
  memoryUsage: z.number().nullable(),
  activeSessions: z.number().nullable(),
  lastSeenAt: z.string(),
});
export type LiveNode = z.infer<typeof liveNodeSchema>;
export const operationsNodesResponseSchema = z.object({ nodes: z.array(liveNodeSchema) });
export type OperationsNodesResponse = z.infer<typeof operationsNodesResponseSchema>;

export const activeSessionSchema = z.object({
  sessionId: z.string(),
  userId: z.string(),
  orgId: z.string(),
  appId: z.string(),
  workspaceId: z.string(),
  node: z.string().nullable(),
  startedAt: z.string(),
  fps: z.number().nullable(),
  bandwidth: z.number().nullable(),
  latency: z.number().nullable(),
});
export type ActiveSession = z.infer<typeof activeSessionSchema>;
export const operationsSessionsResponseSchema = z.object({ sessions: z.array(activeSessionSchema) });
export type OperationsSessionsResponse = z.infer<typeof operationsSessionsResponseSchema>;

export const operationsLicenceResponseSchema = z.object({
  activeStreamers: z.number().nullable(),
  licensedSessions: z.number().nullable(),
  reportedAt: z.string().nullable(),
});
export type OperationsLicenceResponse = z.infer<typeof operationsLicenceResponseSchema>;

/** Live state for the operations view, from the latest samples the services reported. */
export const operationsNodesRoute = defineEndpoint({
  operationId: 'getOperationsNodes',
  method: 'GET',
  path: '/api/operations/nodes',
  summary: 'Session hosts that reported recently, with their latest figures',
  tag: 'operations',
  security: ['engineToken'],
  status: 200,
  response: operationsNodesResponseSchema,
});

export const operationsSessionsRoute = defineEndpoint({
  operationId: 'getOperationsSessions',
  method: 'GET',
  path: '/api/operations/sessions',
  summary: 'Running sessions with their latest streaming figures',
  tag: 'operations',
  security: ['engineToken'],
  status: 200,
  response: operationsSessionsResponseSchema,
});

export const operationsLicenceRoute = defineEndpoint({
  operationId: 'getOperationsLicence',
  method: 'GET',
  path: '/api/operations/licence',
  summary: 'Licence use as last reported',
  tag: 'operations',
  security: ['engineToken'],
  status: 200,
  response: operationsLicenceResponseSchema,
});

/** What one run of the retention job did. */
export const retentionOutcomeSchema = z.object({
  endedSilentSessions: z.int().min(0),
  aggregatedHours: z.int().min(0),
  deletedSamples: z.int().min(0),
  deletedHourly: z.int().min(0),
  deletedActivity: z.int().min(0),
  deletedAudit: z.int().min(0),
  deletedBatchKeys: z.int().min(0),
});
export type RetentionOutcome = z.infer<typeof retentionOutcomeSchema>;

/** Runs the retention job now (it also runs every retention.intervalMinutes), e.g. after a bulk import. */
export const retentionRunRoute = defineEndpoint({
  operationId: 'runRetention',
  method: 'POST',
  path: '/api/retention/run',
  summary: 'Run the retention job now',
  tag: 'operations',
  security: ['engineToken'],
  status: 200,
  response: retentionOutcomeSchema,
  errors: { 409: 'The retention job is already running on another engine' },
});
