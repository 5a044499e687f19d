// Handing responses to libmicrohttpd. Each call runs on the connection
// thread inside an MHD access callback, where MHD accepts a response.
// Internal to the httpd module.
#ifndef KIT_HTTPD_RESPOND_H_
#define KIT_HTTPD_RESPOND_H_

#include <microhttpd.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kit/httpd/exchange.h"

namespace vk::httpd::internal {

// A complete response with Content-Length (MHD copies `body`).
MHD_Result QueueBuffer(
    MHD_Connection* c, int status, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers);

// The server's own JSON error, Vault-style {"errors":["message"]};
// `close` asks for the connection to be closed after it.
MHD_Result QueueError(MHD_Connection* c, int status, std::string_view message,
                      bool close);

// Queues the committed response of `holder`'s exchange: buffered, or
// chunked pulling from Exchange::out (the response keeps the exchange
// alive until MHD frees it). The framing headers are MHD's.
MHD_Result QueueCommitted(MHD_Connection* c, const Holder& holder);

}  // namespace vk::httpd::internal

#endif  // KIT_HTTPD_RESPOND_H_
