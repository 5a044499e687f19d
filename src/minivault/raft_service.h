// The cluster port's request handler: raft messages in, state copies out
// (the endpoints are described in raft_transport.h).
#ifndef VAULTKEEP_MINIVAULT_RAFT_SERVICE_H_
#define VAULTKEEP_MINIVAULT_RAFT_SERVICE_H_

#include "httpd/server.h"
#include "minivault/raft_host.h"

namespace vk::minivault {

void ServeCluster(RaftHost& host, httpd::Request& req,
                  httpd::ResponseWriter& w);

}  // namespace vk::minivault

#endif  // VAULTKEEP_MINIVAULT_RAFT_SERVICE_H_
