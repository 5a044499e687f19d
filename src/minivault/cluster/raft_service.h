// The cluster port's request handler: raft messages in, state copies out
// (the endpoints are described in raft_transport.h).
#ifndef MINIVAULT_CLUSTER_RAFT_SERVICE_H_
#define MINIVAULT_CLUSTER_RAFT_SERVICE_H_

#include "kit/httpd/server.h"
#include "minivault/cluster/raft_host.h"

namespace vk::minivault {

void ServeCluster(RaftHost& host, httpd::Request& req,
                  httpd::ResponseWriter& w);

}  // namespace vk::minivault

#endif  // MINIVAULT_CLUSTER_RAFT_SERVICE_H_
