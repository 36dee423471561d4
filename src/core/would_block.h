// Socket helpers shared by the API server and the delivery client.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>

namespace hookd::core {

// True when a call on a non-blocking socket found nothing to do yet (EAGAIN / EWOULDBLOCK):
// the caller waits for readiness instead of failing.
inline bool WouldBlock(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

// Writes what a non-blocking socket takes now: the bytes written, 0 when it takes nothing yet
// (not an error); `ec` is set only for a real failure.
template <class Socket, class Buffers>
size_t WriteNow(Socket& socket, const Buffers& buffers, boost::system::error_code& ec) {
  size_t n = socket.write_some(buffers, ec);
  if (!WouldBlock(ec)) return n;
  ec = {};
  return 0;
}

}  // namespace hookd::core
