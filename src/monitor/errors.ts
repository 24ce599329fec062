// An error a monitoring builder returns as 2.9.10's does: the HTTP handler
// answers it with `status` and the message as plain text, the system
// account's requests put the message in their error reply.

export class MonitorError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

/** 2.9.10's errSkipZreq: this server has nothing to say (a `leader_only` request to a non-leader); the system account's requests stay silent. */
export class FilteredResponseError extends MonitorError {
  constructor(why: string) {
    super(`filtered response: ${why}`, 400);
  }
}
