// IrcConnection over real sockets against a small scripted server on the loopback interface,
// in plain TCP and in TLS with a self-signed certificate made on the fly.
#include "irc_connection.hpp"

#include "util/asio.hpp"
#include <boost/asio/ssl.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <deque>
#include <memory>
#include <optional>

namespace junction::irc {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
namespace ssl = asio::ssl;

struct SelfSigned {
  std::string cert_pem, key_pem, sha256;
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

SelfSigned make_self_signed(const std::string& host) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, ("DNS:" + host).c_str());
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());

  SelfSigned out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  out.cert_pem = bio_string(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_string(bio);
  BIO_free(bio);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert, EVP_sha256(), md, &size);
  // Upper case with colons, the way `openssl x509 -fingerprint` prints it.
  for (unsigned int i = 0; i < size; ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, i + 1 < size ? "%02X:" : "%02X", md[i]);
    out.sha256 += byte;
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// Plays the server side of registration: CAP LS/REQ/END, NICK/USER -> 001, PING -> PONG,
// QUIT -> close. Everything received is recorded.
class ScriptedServer {
 public:
  ScriptedServer(asio::io_context& io, ssl::context* tls)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), tls_(tls) {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      socket_.emplace(std::move(socket));
      if (!tls_) return read();
      stream_.emplace(*socket_, *tls_);
      stream_->async_handshake(ssl::stream_base::server, [this](const boost::system::error_code& ec) {
        if (!ec) read();
      });
    });
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> received;

 private:
  void read() {
    auto handler = [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) return;
      for (std::size_t end; (end = buffer_.find("\r\n")) != std::string::npos;) {
        on_line(buffer_.substr(0, end));
        buffer_.erase(0, end + 2);
      }
      if (socket_->is_open()) read();
    };
    if (stream_) asio::async_read_until(*stream_, asio::dynamic_buffer(buffer_), "\r\n", handler);
    else asio::async_read_until(*socket_, asio::dynamic_buffer(buffer_), "\r\n", handler);
  }

  void on_line(const std::string& line) {
    received.push_back(line);
    if (line == "CAP LS 302") reply(":srv CAP * LS :multi-prefix server-time");
    else if (line.starts_with("CAP REQ ")) reply(":srv CAP * ACK " + line.substr(8));
    else if (line == "CAP END") cap_done_ = true;
    else if (line.starts_with("NICK ")) nick_ = line.substr(5);
    else if (line.starts_with("USER ")) user_seen_ = true;
    else if (line.starts_with("PING ")) reply(":srv PONG srv " + line.substr(5));
    else if (line.starts_with("QUIT")) {
      boost::system::error_code ignored;
      socket_->close(ignored);
      return;
    }
    if (cap_done_ && user_seen_ && !welcomed_) {
      welcomed_ = true;
      // Split mid-line: the client must reassemble across reads.
      reply_raw(":srv 001 " + nick_ + " :Welcome " + nick_);
      reply("!al@127.0.0.1\r\n:srv 005 " + nick_ + " NICKLEN=30 :are supported");
    }
  }

  void reply(const std::string& line) { reply_raw(line + "\r\n"); }
  // One write at a time: a TLS stream must not have two writes in flight.
  void reply_raw(const std::string& bytes) {
    outbox_.push_back(bytes);
    if (outbox_.size() == 1) write_next();
  }
  void write_next() {
    auto done = [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) return;
      outbox_.pop_front();
      if (!outbox_.empty()) write_next();
    };
    if (stream_) asio::async_write(*stream_, asio::buffer(outbox_.front()), done);
    else asio::async_write(*socket_, asio::buffer(outbox_.front()), done);
  }

  tcp::acceptor acceptor_;
  ssl::context* tls_;
  std::optional<tcp::socket> socket_;
  std::optional<ssl::stream<tcp::socket&>> stream_;
  std::string buffer_, nick_;
  std::deque<std::string> outbox_;
  bool cap_done_ = false, user_seen_ = false, welcomed_ = false;
};

class IrcTransportTest : public ::testing::Test {
 protected:
  IrcTransportTest() {
    network.alias = "loop";
    network.host = "localhost";  // resolves to ::1 and 127.0.0.1: the client must try both
    network.connect_timeout = 5s;
    identity.nick = "alice";
    identity.username = "al";
    identity.realname = "Alice";
  }

  // Connects, and once registered sends a line and quits; returns the failure, if any.
  std::optional<std::string> run() {
    std::optional<std::string> failure;
    IrcConnection::Events events;
    IrcConnection* self = nullptr;
    events.on_registered = [&](const std::string& nick) {
      registered_as = nick;
      self->send_text("PRIVMSG", "#chan", "hello there");
      self->quit("bye", [&] { io.stop(); });
    };
    events.on_failed = [&](const std::string& reason) {
      failure = reason;
      io.stop();
    };
    events.on_disconnected = [&](const std::string& reason) {
      failure = "disconnected: " + reason;
      io.stop();
    };
    IrcConnection conn(io, network, identity, events);
    self = &conn;
    conn.connect();
    io.run_for(10s);
    return failure;
  }

  // The client's QUIT has left when quit() completes; let the server read it.
  void let_server_catch_up(const ScriptedServer& server) {
    io.restart();
    for (int i = 0; i < 100 && (server.received.empty() || server.received.back() != "QUIT bye"); ++i)
      io.run_for(20ms);
  }

  void use_tls(const SelfSigned& cert) {
    server_tls.emplace(ssl::context::tls_server);
    server_tls->use_certificate_chain(asio::buffer(cert.cert_pem));
    server_tls->use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    network.tls = true;
  }

  asio::io_context io;
  NetworkConfig network;
  UserIdentity identity;
  std::optional<ssl::context> server_tls;
  std::string registered_as;
};

TEST_F(IrcTransportTest, PlainTcpRegistersSendsAndQuits) {
  ScriptedServer server(io, nullptr);
  network.port = server.port();
  EXPECT_EQ(run(), std::nullopt);
  EXPECT_EQ(registered_as, "alice");
  let_server_catch_up(server);
  auto has = [&](const std::string& l) {
    return std::find(server.received.begin(), server.received.end(), l) != server.received.end();
  };
  EXPECT_TRUE(has("USER al 0 * Alice"));
  EXPECT_TRUE(has("CAP REQ :multi-prefix server-time"));
  EXPECT_TRUE(has("PRIVMSG #chan :hello there"));
  EXPECT_EQ(server.received.back(), "QUIT bye");
}

TEST_F(IrcTransportTest, ConnectionRefusedFailsWithAReason) {
  std::uint16_t port;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  network.host = "127.0.0.1";
  network.port = port;
  auto failure = run();
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->find("Connection refused"), std::string::npos) << *failure;
  EXPECT_NE(failure->find("127.0.0.1"), std::string::npos) << *failure;
}

TEST_F(IrcTransportTest, TlsSelfSignedIsRefusedWhenNotTrusted) {
  SelfSigned cert = make_self_signed("localhost");
  use_tls(cert);
  ScriptedServer server(io, &*server_tls);
  network.port = server.port();
  auto failure = run();
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->find("certificate not trusted"), std::string::npos) << *failure;
  EXPECT_TRUE(server.received.empty());
}

TEST_F(IrcTransportTest, TlsAcceptedWithoutVerification) {
  use_tls(make_self_signed("localhost"));
  ScriptedServer server(io, &*server_tls);
  network.port = server.port();
  network.verify = false;
  EXPECT_EQ(run(), std::nullopt);
  EXPECT_EQ(registered_as, "alice");
  let_server_catch_up(server);
  EXPECT_EQ(server.received.back(), "QUIT bye");
}

TEST_F(IrcTransportTest, TlsAcceptedWithThePinnedFingerprint) {
  SelfSigned cert = make_self_signed("localhost");
  use_tls(cert);
  ScriptedServer server(io, &*server_tls);
  network.port = server.port();
  network.fingerprint = cert.sha256;
  EXPECT_EQ(run(), std::nullopt);
  EXPECT_EQ(registered_as, "alice");
}

TEST_F(IrcTransportTest, TlsRefusedWithAWrongFingerprint) {
  use_tls(make_self_signed("localhost"));
  ScriptedServer server(io, &*server_tls);
  network.port = server.port();
  network.fingerprint = make_self_signed("localhost").sha256;
  auto failure = run();
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->find("fingerprint mismatch"), std::string::npos) << *failure;
  EXPECT_TRUE(server.received.empty());
}

TEST_F(IrcTransportTest, MalformedFingerprintIsAConfigurationError) {
  use_tls(make_self_signed("localhost"));
  ScriptedServer server(io, &*server_tls);
  network.port = server.port();
  network.fingerprint = "not-hex";
  auto failure = run();
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->find("SHA-256"), std::string::npos) << *failure;
}

TEST(NormalizeFingerprint, AcceptsColonsAndCase) {
  std::string hex(64, 'a');
  EXPECT_EQ(normalize_fingerprint(hex), hex);
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += std::string(i ? ":" : "") + "AA";
  EXPECT_EQ(normalize_fingerprint(colons), hex);
  EXPECT_EQ(normalize_fingerprint("abc"), "");
  EXPECT_EQ(normalize_fingerprint(std::string(64, 'g')), "");
}

}  // namespace
}  // namespace junction::irc
