// Sockets for the server: the listening socket, made here rather than by
// libmicrohttpd so that binding reports why it failed, and peer addresses.
// Internal to the httpd module.
#ifndef KIT_HTTPD_LISTENER_H_
#define KIT_HTTPD_LISTENER_H_

#include <microhttpd.h>

#include <string>

#include "kit/base/result.h"

namespace vk::httpd::internal {

// A listening TCP socket on `address` (empty: all interfaces) and `port`
// (0: any), close-on-exec. Fails with kUnavailable when the address is in
// use, kInvalidArgument when it does not resolve or is not this host's.
Result<int> BindListener(const std::string& address, int port);

// The port `fd` is bound to; 0 if it cannot be read.
int BoundPort(int fd);

// The client's numeric IP address; empty if unknown.
std::string RemoteAddress(MHD_Connection* c);

}  // namespace vk::httpd::internal

#endif  // KIT_HTTPD_LISTENER_H_
