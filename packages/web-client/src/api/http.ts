import {
  ContractViolation,
  type EndpointDefinition,
  type EndpointInput,
  type EndpointOutput,
  endpointRequest,
  errorEnvelopeSchema,
  type ErrorField,
  loginRoute,
  logoutRoute,
  parseEndpointResponse,
  refreshRoute,
  ssoExchangeRoute,
  type TokenResponse,
} from '@webstream/contracts';

/** An answer other than 2xx, with the error envelope's message and the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: readonly ErrorField[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message the API gave for one field (`body.name`, `headers.x-session-id` …), if any. */
  fieldMessage(path: string): string | undefined {
    return this.fields.find((field) => field.path === path || field.path === `body.${path}`)?.message;
  }
}

// The refresh token lives for the tab only (sessionStorage): a reload keeps the user signed in, closing the tab
// ends it, and nothing survives in localStorage. The access token is kept in memory alone.
const REFRESH_KEY = 'webstream.refreshToken';

type Listener = (user: TokenResponse['user'] | undefined) => void;

/** The signed-in user's tokens: one refresh at a time, shared by every call that needs it. */
export class Session {
  private accessToken: string | undefined;
  private refreshing: Promise<boolean> | undefined;
  private currentUser: TokenResponse['user'] | undefined;
  private readonly listeners = new Set<Listener>();

  get user(): TokenResponse['user'] | undefined {
    return this.currentUser;
  }

  /** The access token for a WebSocket or a header; undefined when signed out. */
  get token(): string | undefined {
    return this.accessToken;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(username: string, password: string, organization?: string): Promise<void> {
    this.signedIn(
      await send(loginRoute, { body: { username, password, ...(organization ? { organization } : {}) } }),
    );
  }

  /**
   * Finishes a single sign-on: trades the one-time code from /sign-in's fragment for the same tokens a password
   * login answers. IAM honours the code only with the HttpOnly cookie it set when the sign-in started, which the
   * same-origin request carries by itself.
   */
  async exchangeSsoCode(code: string): Promise<void> {
    this.signedIn(await send(ssoExchangeRoute, { body: { code } }));
  }

  /** Signs in again from the tab's refresh token, if there is one; false when there is none or it is refused. */
  resume(): Promise<boolean> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * Signs out here and at IAM. After a single sign-on IAM may name the provider's logout page, which the browser
   * is then sent to so that the provider's session ends too (else the next sign-in would pass through it
   * silently); true when the page is leaving for it.
   */
  async logout(): Promise<boolean> {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    this.clear();
    if (refreshToken === null) return false;
    const answer = await send(logoutRoute, { body: { refreshToken } }).catch(() => undefined);
    if (answer?.providerLogoutUrl === undefined) return false;
    window.location.assign(answer.providerLogoutUrl);
    return true;
  }

  /**
   * Calls an endpoint by its definition as the signed-in user (one refresh and retry when the access token has
   * expired): the input is checked before anything is sent, as the server would (ApiError 400 naming the
   * fields), and the answer is parsed with the endpoint's response schema.
   */
  async call<Endpoint extends EndpointDefinition>(
    endpoint: Endpoint,
    input: EndpointInput<Endpoint>,
    options: CallOptions = {},
  ): Promise<EndpointOutput<Endpoint>> {
    try {
      return await send(endpoint, input, { ...options, token: this.accessToken });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !(await this.resume())) throw error;
      return send(endpoint, input, { ...options, token: this.accessToken });
    }
  }

  private async refresh(): Promise<boolean> {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (refreshToken === null) return false;
    try {
      this.signedIn(await send(refreshRoute, { body: { refreshToken } }));
      return true;
    } catch {
      this.clear();
      return false;
    }
  }

  /** The one way in: a password login, a single sign-on and a refresh all end here with their tokens. */
  private signedIn(tokens: TokenResponse): void {
    this.accessToken = tokens.accessToken;
    sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
    this.currentUser = tokens.user;
    for (const listener of this.listeners) listener(this.currentUser);
  }

  private clear(): void {
    this.accessToken = undefined;
    this.currentUser = undefined;
    sessionStorage.removeItem(REFRESH_KEY);
    for (const listener of this.listeners) listener(undefined);
  }
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  signal?: AbortSignal;
}

/** One call by an endpoint's definition: what it sends is checked first, what it answers is parsed. */
export interface CallOptions {
  signal?: AbortSignal;
  /** The W3C trace context of this call (a session's launch and connections share one trace). */
  traceparent?: string;
}

/** A call that needs no signed-in user (a sign-in page's look-ups), by the endpoint's definition. */
export function callPublic<Endpoint extends EndpointDefinition>(
  endpoint: Endpoint,
  input: EndpointInput<Endpoint>,
  options: CallOptions = {},
): Promise<EndpointOutput<Endpoint>> {
  return send(endpoint, input, options);
}

async function send<Endpoint extends EndpointDefinition>(
  endpoint: Endpoint,
  input: EndpointInput<Endpoint>,
  options: CallOptions & { token?: string | undefined } = {},
): Promise<EndpointOutput<Endpoint>> {
  let call;
  try {
    call = endpointRequest(endpoint, input);
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    const [first] = error.fields;
    throw new ApiError(
      400,
      error.fields.length === 1 && first
        ? `${first.path}: ${first.message}`
        : `${error.fields.length} fields are invalid: ${error.fields.map((field) => field.path).join(', ')}`,
      error.fields,
    );
  }
  const answer = await request<unknown>(call.method, call.path, {
    query: call.query,
    // The trace context travels beside the contract's headers, as the correlation id does.
    headers:
      options.traceparent === undefined
        ? call.headers
        : { ...call.headers, traceparent: options.traceparent },
    ...(call.body === undefined ? {} : { body: call.body }),
    ...(options.signal ? { signal: options.signal } : {}),
    token: options.token,
  });
  return parseEndpointResponse(endpoint, answer);
}

async function request<T>(
  method: string,
  path: string,
  options: RequestOptions & { token?: string | undefined },
): Promise<T> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== '') query.set(key, value);
  }
  const url = query.size > 0 ? `${path}?${query.toString()}` : path;
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    // The default, said out loud: the single sign-on exchange needs IAM's cookie, and no call goes elsewhere.
    credentials: 'same-origin',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  const json: unknown = text === '' ? undefined : safeJson(text);
  if (!response.ok) {
    const envelope = errorEnvelopeSchema.safeParse(json);
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      envelope.success ? envelope.data.error.message : `${response.status} ${response.statusText}`,
      envelope.success ? (envelope.data.error.fields ?? []) : [],
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The one session of this page. */
export const session = new Session();
