#pragma once
namespace junction::gateways::echo {
void register_echo_gateway();
}
