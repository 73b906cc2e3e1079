#pragma once
// Which inbound mails must not be answered or treated as a person writing: auto-replies and
// other machine mail (RFC 3834) and mailing-list or bulk mail. The gateway still delivers
// them, but never sends an automatic reply or error back, which is how mail loops start.
#include "header_fields.hpp"

#include <string>

namespace junction::email {

struct Hygiene {
  bool auto_submitted = false;  // Auto-Submitted other than "no", or a vendor auto-reply mark
  bool list = false;            // List-Id, List-Unsubscribe, or Precedence list/bulk/junk
  std::string list_id;          // the List-Id value, when present
};

Hygiene classify_headers(const FieldGroup& headers);

}  // namespace junction::email
