#pragma once
// Long inbound texts that arrive part by part (Vonage's concat-ref/-total/-part): how a part
// is kept in the store while its siblings are on their way, and how the parts become one
// text again, with a note where a part never came. No I/O; the gateway stores and times out
// (sms_concat.cpp).
#include "util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace junction::sms {

struct StoredPart {
  int part = 1;  // 1-based
  int total = 1;
  std::string provider_id;  // this part's own message id
  std::string body;
  std::string owner;    // bare JID the text is for
  std::string contact;  // the sender's JID
  std::int64_t received_ms = 0;
};

// One text's parts share the sender, our number, the sender's reference and the count. The
// reference is only a byte or two and comes round again, so it never stands alone.
std::string concat_group(std::string_view from, std::string_view to, std::string_view ref, int total);

std::string encode_part(const StoredPart& part);
Result<StoredPart> decode_part(std::string_view encoded);

struct AssembledText {
  std::string body;
  bool complete = false;
  // The de-duplication key of the text: the first part's id and how many parts it holds, so
  // a text delivered incomplete and later complete is two messages, never one lost.
  std::string key;
};

// Parts in order (duplicates of a part count once). When some are missing, the text says so.
AssembledText assemble_parts(std::vector<StoredPart> parts);

}  // namespace junction::sms
