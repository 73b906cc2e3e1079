#pragma once
namespace junction::gateways {
// Registers every gateway kind built into this binary with the core.
void register_all();
}
