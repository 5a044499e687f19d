// The agent's HTTP interface on its listen address (docs/agent.md):
//   GET  /metrics        Prometheus text format
//   GET  /healthz        200 "ok" while the scheduler runs, else 503
//   GET  /status         JSON: per target and repository the last success,
//                        the last error in one sentence, the next run
//   POST /run/<target>   202 {"started": [...], "skipped": [...]}; 404 for
//                        an unknown target
// Nothing here reveals a secret: errors are vaultkeep's sentences, which
// never hold one.
#ifndef VAULTKEEP_AGENT_HTTP_API_H_
#define VAULTKEEP_AGENT_HTTP_API_H_

#include "kit/httpd/server.h"
#include "vaultkeep/agent/agent.h"

namespace vk::agent {

// A handler over `agent`, which must outlive the server.
httpd::Handler HttpApi(Agent& agent);

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_HTTP_API_H_
