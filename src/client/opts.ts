// CONNECT options. The reference starts from verbose/pedantic/echo = true and
// lays the client's JSON over them, so `CONNECT {}` is verbose and pedantic.

export interface ClientOpts {
  verbose: boolean;
  pedantic: boolean;
  echo: boolean;
  tls_required: boolean;
  headers: boolean;
  no_responders: boolean;
  protocol: number;
  name: string;
  lang: string;
  version: string;
  user?: string;
  pass?: string;
  auth_token?: string;
  nkey?: string;
  sig?: string;
  jwt?: string;
}

export function defaultClientOpts(): ClientOpts {
  return {
    verbose: true,
    pedantic: true,
    echo: true,
    tls_required: false,
    headers: false,
    no_responders: false,
    protocol: 0,
    name: "",
    lang: "",
    version: "",
  };
}
