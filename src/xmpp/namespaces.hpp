#pragma once
// XML namespace URIs Junction speaks, in one place so a typo is a compile error rather than a
// stanza nobody answers. The data forms namespace also lives in data_form.hpp as ns_data.
#include <string_view>

namespace junction::xmpp::ns {

// Streams (RFC 6120, XEP-0114).
inline constexpr std::string_view component = "jabber:component:accept";
inline constexpr std::string_view client = "jabber:client";
inline constexpr std::string_view server = "jabber:server";
inline constexpr std::string_view streams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view stream_errors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view stanza_errors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view xml = "http://www.w3.org/XML/1998/namespace";

// Service discovery and basic services.
inline constexpr std::string_view disco_info = "http://jabber.org/protocol/disco#info";    // XEP-0030
inline constexpr std::string_view disco_items = "http://jabber.org/protocol/disco#items";  // XEP-0030
inline constexpr std::string_view caps = "http://jabber.org/protocol/caps";                // XEP-0115
inline constexpr std::string_view version = "jabber:iq:version";                           // XEP-0092
inline constexpr std::string_view ping = "urn:xmpp:ping";                                  // XEP-0199
inline constexpr std::string_view time = "urn:xmpp:time";                                  // XEP-0202
inline constexpr std::string_view last = "jabber:iq:last";                                 // XEP-0012
inline constexpr std::string_view vcard = "vcard-temp";                                    // XEP-0054

// Gateway plumbing.
inline constexpr std::string_view register_ = "jabber:iq:register";              // XEP-0077
inline constexpr std::string_view register_feature = "http://jabber.org/features/iq-register";
inline constexpr std::string_view gateway = "jabber:iq:gateway";                 // XEP-0100
inline constexpr std::string_view commands = "http://jabber.org/protocol/commands";  // XEP-0050
inline constexpr std::string_view data = "jabber:x:data";                        // XEP-0004
inline constexpr std::string_view roster = "jabber:iq:roster";
inline constexpr std::string_view roster_exchange = "http://jabber.org/protocol/rosterx";  // XEP-0144
inline constexpr std::string_view nick = "http://jabber.org/protocol/nick";               // XEP-0172
inline constexpr std::string_view address = "http://jabber.org/protocol/address";         // XEP-0033

// Multi-user chat (XEP-0045).
inline constexpr std::string_view muc = "http://jabber.org/protocol/muc";
inline constexpr std::string_view muc_user = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view muc_admin = "http://jabber.org/protocol/muc#admin";
inline constexpr std::string_view muc_owner = "http://jabber.org/protocol/muc#owner";

// Message payloads.
inline constexpr std::string_view delay = "urn:xmpp:delay";                              // XEP-0203
inline constexpr std::string_view receipts = "urn:xmpp:receipts";                        // XEP-0184
inline constexpr std::string_view chat_markers = "urn:xmpp:chat-markers:0";              // XEP-0333
inline constexpr std::string_view chatstates = "http://jabber.org/protocol/chatstates";  // XEP-0085
inline constexpr std::string_view oob = "jabber:x:oob";                                  // XEP-0066
inline constexpr std::string_view sid = "urn:xmpp:sid:0";                                // XEP-0359
inline constexpr std::string_view hints = "urn:xmpp:hints";                              // XEP-0334
inline constexpr std::string_view correction = "urn:xmpp:message-correct:0";             // XEP-0308
inline constexpr std::string_view xhtml_im = "http://jabber.org/protocol/xhtml-im";      // XEP-0071
inline constexpr std::string_view xhtml = "http://www.w3.org/1999/xhtml";

// Archives and paging.
inline constexpr std::string_view mam = "urn:xmpp:mam:2";                 // XEP-0313
inline constexpr std::string_view rsm = "http://jabber.org/protocol/rsm";  // XEP-0059
inline constexpr std::string_view forward = "urn:xmpp:forward:0";         // XEP-0297
inline constexpr std::string_view carbons = "urn:xmpp:carbons:2";          // XEP-0280

}  // namespace junction::xmpp::ns
