#include "gateways/echo/echo_gateway.hpp"

namespace junction::gateways::echo {
void register_echo_gateway() {}
}  // namespace junction::gateways::echo
