import { z } from 'zod';
import { type RouteDefinition } from './common';

/** Live state for the operations view, from the latest samples the services reported. */
export const operationsNodesRoute = {
  method: 'GET',
  path: '/api/operations/nodes',
} as const satisfies RouteDefinition;
export const operationsSessionsRoute = {
  method: 'GET',
  path: '/api/operations/sessions',
} as const satisfies RouteDefinition;
export const operationsLicenceRoute = {
  method: 'GET',
  path: '/api/operations/licence',
} as const satisfies RouteDefinition;

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
