// A bench gateway's built-in IAM seeded through its HTTP API (seed.ts), its users signed in, and the calls every
// suite that measures a gateway makes as them: a session select as client c's user, and /getConnection.
import {
  type GetConnectionResponse,
  getConnectionResponseSchema,
  getConnectionRoute,
  SESSION_ID_HEADER,
  type SessionSelectRequest,
  sessionSelectRoute,
} from '@webstream/contracts';
import { type CallOutcome, type HttpClient, unexpected } from '../iam/load';
import { login, type Seed, seed } from '../iam/seed';

export interface SeededGateway {
  data: Seed;
  /** Each seeded user's access token, in the order of `data.users`. */
  tokens: string[];
  adminToken: string;
  /** What every select asks for: the seeded workspace and the application it offers. */
  selection: SessionSelectRequest;
  /** Client c acts as user c mod users. */
  tokenOf: (client: number) => string;
  /** Selects session `sessionId` as client c's user through `http`: a fresh reservation (200 `reserved`). */
  selectOn: (http: HttpClient) => (client: number, sessionId: string) => Promise<CallOutcome>;
  /** GET /getConnection of a session as client c's user: the three tickets (throws on anything but 200). */
  connect: (http: HttpClient, client: number, sessionId: string) => Promise<GetConnectionResponse>;
}

/** Seeds the gateway's IAM (`users` users), signs every user and the admin in; odd seed writes go to `anomaly`. */
export async function seedGateway(
  http: HttpClient,
  admin: { username: string; password: string },
  users: number,
  anomaly: (text: string) => void,
): Promise<SeededGateway> {
  const data = await seed(http, admin, users);
  for (const write of data.unexpected) anomaly(`while seeding: ${write}`);
  const tokens: string[] = [];
  for (const user of data.users) tokens.push((await login(http, user.username, data.password)).accessToken);
  const adminToken = (await login(http, admin.username, admin.password)).accessToken;
  const selection: SessionSelectRequest = {
    workspaceId: data.workspace.id,
    workspaceType: data.workspace.type,
    appId: data.application.id,
    appExe: data.application.exe,
    appArgs: data.application.args,
  };
  const tokenOf = (client: number): string => tokens[client % tokens.length]!;
  return {
    data,
    tokens,
    adminToken,
    selection,
    tokenOf,
    selectOn: (target) => async (client, sessionId) => {
      const answer = await target.send(sessionSelectRoute.method, sessionSelectRoute.path, {
        bearer: tokenOf(client),
        json: selection,
        headers: { [SESSION_ID_HEADER]: sessionId },
      });
      return answer.status === 200 && answer.body.includes('"state":"reserved"')
        ? { ok: true }
        : unexpected(answer);
    },
    connect: async (target, client, sessionId) => {
      const answer = await target.send(getConnectionRoute.method, getConnectionRoute.path, {
        bearer: tokenOf(client),
        headers: { [SESSION_ID_HEADER]: sessionId },
      });
      if (answer.status !== 200)
        throw new Error(`GET /getConnection answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      return getConnectionResponseSchema.parse(JSON.parse(answer.body));
    },
  };
}
