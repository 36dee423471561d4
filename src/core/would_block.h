// Socket helpers shared by the API server and the delivery client.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

namespace hookd::core {

// True when a call on a non-blocking socket found nothing to do yet (EAGAIN / EWOULDBLOCK):
// the caller waits for readiness instead of failing.
inline bool WouldBlock(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

}  // namespace hookd::core
