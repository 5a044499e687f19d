#include "kit/httpd/listener.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace vk::httpd::internal {

Result<int> BindListener(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  std::string where = (address.empty() ? "*" : address) + ":" + port_str;
  int rc = getaddrinfo(address.empty() ? nullptr : address.c_str(),
                       port_str.c_str(), &hints, &res);
  if (rc != 0) {
    return InvalidArgument("cannot resolve listen address " + where + ": " +
                           gai_strerror(rc));
  }
  Status last = InvalidArgument("no usable address for " + where);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = ErrnoStatus("socket for " + where, errno);
      continue;
    }
    int one = 1;
    // Lets a restarted server rebind while old connections sit in
    // TIME_WAIT; Linux still refuses a second listener on the port.
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      int err = errno;
      close(fd);
      if (err == EADDRINUSE) {
        last = Unavailable("cannot listen on " + where +
                           ": address already in use");
      } else if (err == EADDRNOTAVAIL) {
        last = InvalidArgument("cannot listen on " + where +
                               ": not an address of this host");
      } else {
        last = ErrnoStatus("bind " + where, err);
      }
      continue;
    }
    if (listen(fd, SOMAXCONN) != 0) {
      int err = errno;
      close(fd);
      last = err == EADDRINUSE ? Unavailable("cannot listen on " + where +
                                             ": address already in use")
                               : ErrnoStatus("listen on " + where, err);
      continue;
    }
    freeaddrinfo(res);
    return fd;
  }
  freeaddrinfo(res);
  return last;
}

int BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

std::string RemoteAddress(MHD_Connection* c) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  const sockaddr* sa = info->client_addr;
  socklen_t len =
      sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  char host[NI_MAXHOST];
  if (getnameinfo(sa, len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) !=
      0) {
    return "";
  }
  return host;
}

}  // namespace vk::httpd::internal
