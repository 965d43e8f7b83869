import { type TokenResponse } from '@webstream/contracts';
import { vi } from 'vitest';

export const ORG_ID = '5d8f3c1e-0c0a-4c4e-9a53-2a9f0b8f6f10';
export const USER_ID = '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b';

export const tokens: TokenResponse = {
  accessToken: 'access-token-of-the-test',
  refreshToken: 'refresh-token-of-the-test',
  tokenType: 'Bearer',
  expiresIn: 900,
  user: { id: USER_ID, username: 'ada', displayName: 'Ada', role: 'user', orgId: ORG_ID },
};

export { MemoryStorage } from '../memory-storage';

export interface Sent {
  method: string;
  path: string;
  query: string;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

/**
 * The gateway as a map of `METHOD /path` to an answer (a status and its JSON); anything else is a 404. What
 * the page sent is kept in `sent`.
 */
export function standInGateway(answers: Record<string, { status: number; json?: unknown }>) {
  const sent: Sent[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}): Promise<Response> => {
    const [path = '', query = ''] = url.split('?');
    const method = init.method ?? 'GET';
    sent.push({
      method,
      path,
      query,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    });
    init.signal?.throwIfAborted();
    const answer = answers[`${method} ${path}`];
    if (answer === undefined) {
      return new Response(
        JSON.stringify({ error: { status: 404, code: 'not_found', message: 'Not found' } }),
        {
          status: 404,
        },
      );
    }
    return new Response(answer.json === undefined ? '' : JSON.stringify(answer.json), {
      status: answer.status,
    });
  });
  return { fetchMock, sent };
}
