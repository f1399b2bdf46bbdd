// The socket type of a client connection (server/connection.h, server/tls.h).
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>

namespace shoal {

// A client's socket: bound to its home shard's io_context executor, not the type-erased
// any_io_executor (each read's handler bookkeeping goes through the erased executor otherwise).
using ClientSocket = boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol,
                                                      boost::asio::io_context::executor_type>;

}  // namespace shoal
