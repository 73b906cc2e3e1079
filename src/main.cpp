#include "gateways/registry.hpp"

int main() {
  junction::gateways::register_all();
  return 0;
}
