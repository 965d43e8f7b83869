import { type INestApplication } from '@nestjs/common';
import { openApiPath } from '@webstream/contracts';
import { ProbeAnswers } from '@webstream/service-kit';

/** `GET /iam/users/{id}`: one route, as the documents name it. */
export type RouteKey = `${string} ${string}`;

interface ExpressLayer {
  route?: { path: string | RegExp | (string | RegExp)[]; methods: Record<string, boolean> };
}

/**
 * Every route the running app serves, read from its router and its probe answers: what a test compares with the app's document,
 * so that a route without a definition, or a definition without a route, fails.
 */
export function servedRoutes(app: INestApplication): RouteKey[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: ExpressLayer[] } };
  if (!express.router) throw new Error('the app has no Express router: is it initialised?');
  const routes = new Set<RouteKey>();
  // The liveness probes are answered ahead of the router.
  for (const path of app.get(ProbeAnswers).paths()) routes.add(`GET ${openApiPath(path)}`);
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    // Nest mounts middleware for every route as `{*path}` on all methods; no endpoint has a wildcard.
    const paths = (Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]).filter(
      (path): path is string => typeof path === 'string' && !path.includes('*'),
    );
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (!on || method === '_all') continue;
      for (const path of paths) routes.add(`${method.toUpperCase()} ${openApiPath(path)}`);
    }
  }
  return [...routes].sort();
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Every operation a document describes. */
export function documentedRoutes(document: object): RouteKey[] {
  const routes: RouteKey[] = [];
  const paths = (document as { paths?: Record<string, object | undefined> }).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const method of Object.keys(item ?? {})) {
      if (HTTP_METHODS.has(method)) routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes.sort();
}

export interface LintProblem {
  rule: string;
  severity: string;
  message: string;
  where: string;
}

/**
 * Lints a document with Redocly's recommended rules, as `redocly lint` would: every problem, warnings
 * included, so a test can insist on none.
 */
export async function lintOpenApi(document: object): Promise<LintProblem[]> {
  const { createConfig, lintFromString, stringifyYaml } = await import('@redocly/openapi-core');
  const config = await createConfig({
    extends: ['recommended'],
    rules: {
      // The project has no licence file yet: the documents cannot name one.
      'info-license': 'off',
      // Probes and the documents themselves take no input and no credential: no client error to describe.
      'operation-4xx-response': 'off',
      // Single sign-on's browser endpoints answer only a redirect: a success or a redirect, then.
      'operation-2xx-response': 'off',
      'rule/operation-success-or-redirect': {
        subject: { type: 'Responses' },
        assertions: { requireAny: ['200', '201', '202', '204', '302', '303'] },
        message: 'Operation must have a 2XX or a redirect (302, 303) response.',
      },
    },
  });
  const problems = await lintFromString({
    source: stringifyYaml(document),
    absoluteRef: 'openapi.yaml',
    config,
  });
  return problems.map((problem) => ({
    rule: problem.ruleId,
    severity: problem.severity,
    message: problem.message,
    where: problem.location.map((location) => location.pointer).join(', '),
  }));
}
