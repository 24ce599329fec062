// The URL account resolver (`resolver: URL(http://host/jwt/v1/accounts/)`),
// as nats-server 2.9.10's URLAccResolver: GET <url><account public key>
// (a `/` is added to the url if missing), 200 means the body is the JWT,
// anything else fails within 1.9 s with Go's net/http error texts. Requests
// run in the background: a client whose account is being fetched waits, the
// others do not. Concurrent requests for one account share one GET.

import { goQuote } from "../protocol/text.ts";
import type { AccountResolver, ResolverAnswer } from "./resolver.ts";

/** nats-server's DEFAULT_ACCOUNT_FETCH_TIMEOUT. */
const FETCH_TIMEOUT_MS = 1900;

/** `resolver_tls`: what Bun's fetch takes. */
export interface ResolverTLS {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export class UrlResolver implements AccountResolver {
  /** The base URL, ending in `/`. */
  readonly url: string;
  private readonly pending = new Map<string, Promise<ResolverAnswer>>();

  constructor(
    url: string,
    private readonly tls: ResolverTLS | null,
  ) {
    this.url = url.endsWith("/") ? url : `${url}/`;
  }

  fetch(name: string): Promise<ResolverAnswer> {
    let p = this.pending.get(name);
    if (p === undefined) {
      p = this.get(this.url + name).finally(() => this.pending.delete(name));
      this.pending.set(name, p);
    }
    return p;
  }

  /** nats-server's check at start that someone is home: a GET of the base URL itself. */
  probe(): Promise<ResolverAnswer> {
    return this.get(this.url);
  }

  private async get(url: string): Promise<ResolverAnswer> {
    const shown = redactURL(url);
    const fail = (why: string): ResolverAnswer => ({ ok: false, error: `could not fetch <${goQuote(shown)}>: ${why}` });
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1] ?? "";
    if (scheme !== "http" && scheme !== "https") return fail(`Get ${goQuote(shown)}: unsupported protocol scheme ${goQuote(scheme)}`);
    const init: RequestInit & { tls?: ResolverTLS } = { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) };
    if (this.tls !== null) init.tls = this.tls;
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      return fail(`Get ${goQuote(shown)}: ${netError(e as Error & { code?: string }, url, "awaiting headers")}`);
    }
    if (res.status !== 200) {
      void res.body?.cancel();
      return fail(`${res.status} ${res.statusText}`.trimEnd());
    }
    try {
      return { ok: true, jwt: await res.text() };
    } catch (e) {
      // Go returns a failed body read as it is, without the "could not fetch".
      return { ok: false, error: netError(e as Error & { code?: string }, url, "reading body") };
    }
  }
}

/** Bun's fetch errors in the words of Go's net/http. */
function netError(e: Error & { code?: string }, url: string, stage: "awaiting headers" | "reading body"): string {
  if (e.name === "TimeoutError") {
    return stage === "awaiting headers"
      ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
      : "context deadline exceeded (Client.Timeout or context cancellation while reading body)";
  }
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  switch (e.code) {
    case "ECONNREFUSED":
      return `dial tcp ${u.hostname}:${port}: connect: connection refused`;
    case "ENOTFOUND":
      return `dial tcp: lookup ${u.hostname}: no such host`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return "x509: certificate signed by unknown authority";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `x509: certificate is not valid for ${u.hostname}`;
    default:
      return e.message;
  }
}

/** Go's redactURLString: a password in the URL shows as `xxxxx`. */
function redactURL(raw: string): string {
  if (!raw.includes("@")) return raw;
  try {
    const u = new URL(raw);
    if (u.password === "") return raw;
    u.password = "xxxxx";
    return u.toString();
  } catch {
    return raw;
  }
}
