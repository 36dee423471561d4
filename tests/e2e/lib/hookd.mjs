// Starts the real hookd binary for the SDK suites. One harness serves every node suite: this is
// tests/integration/lib/server.mjs with loopback delivery allowed (delivery itself stays off
// unless a test passes { delivery: true }).
import { startServer } from "../../integration/lib/server.mjs";

/** Options as startServer's; returns its server object ({ url, token, stop(), restart(), ... }). */
export function startHookd(opts = {}) {
  return startServer({ ...opts, env: { HOOKD_ALLOWED_NETWORKS: "127.0.0.0/8", ...(opts.env ?? {}) } });
}
