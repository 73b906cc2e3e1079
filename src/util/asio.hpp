#pragma once
// Boost.Asio 1.74 under -std=c++2b needs <utility> before <boost/asio.hpp> (asio issue #944).
// Include Asio only through this header.
#include <utility>
#include <boost/asio.hpp>

namespace junction {
namespace asio = boost::asio;
}
