#include "vaultkeep/agent/http_api.h"

#include <nlohmann/json.hpp>

namespace vk::agent {
namespace {

using Json = nlohmann::ordered_json;

void SendError(httpd::ResponseWriter& w, int status, const std::string& msg) {
  w.Send(status, Json{{"error", msg}}.dump() + "\n");
}

void Serve(Agent& agent, httpd::Request& req, httpd::ResponseWriter& w) {
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (req.path == "/metrics" && read) {
    w.Send(200, agent.MetricsText(), "text/plain; version=0.0.4");
  } else if (req.path == "/healthz" && read) {
    bool ok = agent.Healthy();
    w.Send(ok ? 200 : 503, ok ? "ok\n" : "scheduler not running\n",
           "text/plain");
  } else if (req.path == "/status" && read) {
    w.Send(200, agent.StatusJson());
  } else if (req.path.starts_with("/run/")) {
    if (req.method != "POST") {
      w.SetHeader("Allow", "POST");
      return SendError(w, 405, "use POST to start a run");
    }
    Result<RunNowResult> r = agent.RunNow(req.path.substr(5));
    if (!r.ok()) return SendError(w, 404, r.status().message());
    w.Send(202, Json{{"started", r->started}, {"skipped", r->skipped}}.dump() +
                    "\n");
  } else if (req.path == "/metrics" || req.path == "/healthz" ||
             req.path == "/status") {
    w.SetHeader("Allow", "GET, HEAD");
    SendError(w, 405, "method not allowed");
  } else {
    SendError(w, 404,
              "not found (endpoints: /metrics, /healthz, /status, POST "
              "/run/<target>)");
  }
}

}  // namespace

httpd::Handler HttpApi(Agent& agent) {
  return [&agent](httpd::Request& req, httpd::ResponseWriter& w) {
    Serve(agent, req, w);
  };
}

}  // namespace vk::agent
