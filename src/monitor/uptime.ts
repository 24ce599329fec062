// nats-server 2.9.10's myUptime: whole seconds, with the larger units only
// once reached (`45s`, `3m5s`, `2d1h0m7s`, `1y2d0h0m0s`).

export function goUptime(ms: number): string {
  const secs = Math.max(0, Math.floor(ms / 1000));
  const mins = Math.floor(secs / 60);
  const hours = Math.floor(mins / 60);
  const days = Math.floor(hours / 24);
  const years = Math.floor(days / 365);
  const hms = `${hours % 24}h${mins % 60}m${secs % 60}s`;
  if (years > 0) return `${years}y${days % 365}d${hms}`;
  if (days > 0) return `${days}d${hms}`;
  if (hours > 0) return `${hours}h${mins % 60}m${secs % 60}s`;
  if (mins > 0) return `${mins}m${secs % 60}s`;
  return `${secs}s`;
}
