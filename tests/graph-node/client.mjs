// Microsoft's Graph client for JavaScript pointed at `seats serve`: what scenario.mjs and send-plan.mjs use.
import { Client, CustomAuthenticationProvider, MiddlewareFactory } from "@microsoft/microsoft-graph-client";

// ---- the client
//
// Client.init's default chain is AuthenticationHandler -> RetryHandler -> RedirectHandler -> TelemetryHandler ->
// HTTPMessageHandler. In 3.0.x AuthenticationHandler (and TelemetryHandler) act only on https:// URLs whose host
// is a Graph host or in `customHosts` (GraphRequestUtil.isValidEndpoint looks for "https://"); for any other URL
// it deletes the Authorization header. So over https `customHosts: new Set([hostname])` is all an app needs, and
// over plain http (seats serve on 127.0.0.1) the token is never sent. For http the scenario keeps the default
// chain and swaps its first handler for LoopbackAuthentication, which adds the token for the server's origin.
//
// It also repairs one URL: GraphRequest.parsePath only recognises an absolute "https://" path, so
// client.api("http://127.0.0.1:PORT/v1.0/users?$skiptoken=...") -- what PageIterator does with an @odata.nextLink --
// comes out as "http://127.0.0.1:PORT/v1.0/http://127.0.0.1:PORT/v1.0/users?...". The handler cuts that back to the
// inner absolute URL.
export class LoopbackAuthentication {
  constructor(baseUrl, token) {
    this.origin = new URL(baseUrl).origin;
    this.token = token;
  }
  async execute(context) {
    if (typeof context.request === "string") {
      const inner = context.request.indexOf(`${this.origin}/`, 1);
      if (inner !== -1) context.request = context.request.slice(inner);
    }
    const url = typeof context.request === "string" ? context.request : context.request.url;
    if (new URL(url).origin === this.origin) {
      context.options.headers = context.options.headers ?? {};
      context.options.headers.Authorization = `Bearer ${this.token}`;
    } else if (context.options.headers) {
      delete context.options.headers.Authorization;
    }
    return this.next.execute(context);
  }
  setNext(next) {
    this.next = next;
  }
}

// Records each response the server sends, retries included (it sits behind RetryHandler).
export class Recorder {
  constructor() {
    this.seen = [];
  }
  async execute(context) {
    await this.next.execute(context);
    this.seen.push({ status: context.response.status, retryAfter: context.response.headers.get("Retry-After") });
  }
  setNext(next) {
    this.next = next;
  }
}

export function graphClient(baseUrl, token, recorder) {
  const authProvider = (done) => done(null, token);
  const url = new URL(baseUrl);
  if (url.protocol === "https:" && !recorder) {
    return Client.init({ authProvider, baseUrl, defaultVersion: "v1.0", customHosts: new Set([url.hostname]) });
  }
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(new CustomAuthenticationProvider(authProvider));
  if (url.protocol === "http:") chain[0] = new LoopbackAuthentication(baseUrl, token);
  if (recorder) chain.splice(2, 0, recorder);
  return Client.initWithMiddleware({ middleware: chain, baseUrl, defaultVersion: "v1.0", customHosts: new Set([url.hostname]) });
}
