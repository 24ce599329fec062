// WebSocket clients' authentication (nats-server 2.9.10 auth.go
// processClientOrLeafAuthentication, websocket.go wsConfigAuth): a
// `websocket { authorization { user, password | token, timeout } }` or a
// `websocket { no_auth_user }` replaces the server's single user, token and
// no_auth_user for WebSocket clients only, and makes them authenticate even
// when TCP clients need not. Configured users stay what they are.

import type { AuthConfig } from "../auth/types.ts";
import type { WebsocketOptions } from "./options.ts";

export function hasAuthOverride(ws: WebsocketOptions): boolean {
  return ws.username !== "" || ws.token !== "" || ws.noAuthUser !== "";
}

/** The auth configuration WebSocket clients are checked against. */
export function websocketAuth(auth: AuthConfig, ws: WebsocketOptions): AuthConfig {
  const timeoutMs = ws.authTimeout !== 0 ? ws.authTimeout * 1000 : auth.timeoutMs;
  if (!hasAuthOverride(ws)) return timeoutMs === auth.timeoutMs ? auth : { ...auth, timeoutMs };
  const out: AuthConfig = { ...auth, timeoutMs, noAuthUser: ws.noAuthUser || undefined, sysAccOnlyNoAuthUser: undefined };
  // The reference checks the token before the user name.
  if (ws.token !== "") return { ...out, mode: "token", token: ws.token, user: undefined, password: undefined, simplePermissions: null };
  if (ws.username !== "") return { ...out, mode: "user", user: ws.username, password: ws.password, token: undefined, simplePermissions: null };
  return out;
}
