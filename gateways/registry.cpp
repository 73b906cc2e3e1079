#include "gateways/registry.hpp"

#include "gateways/echo/echo_gateway.hpp"
#include "gateways/email/email_gateway.hpp"
#include "gateways/irc/irc_gateway.hpp"
#include "gateways/sms/sms_gateway.hpp"

namespace junction::gateways {
void register_all() {
  echo::register_echo_gateway();
  email::register_email_gateway();
  irc::register_irc_gateway();
  sms::register_sms_gateway();
}
}  // namespace junction::gateways
