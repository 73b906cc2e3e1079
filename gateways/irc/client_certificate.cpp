#include "gateways/irc/client_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace junction::irc {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

BioPtr memory_bio(std::string_view pem) { return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// A fresh BIO per read: each PEM reader skips blocks of other kinds, so the certificate and
// the key may come in either order.
X509Ptr read_certificate(std::string_view pem) {
  auto bio = memory_bio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();  // a failed parse leaves errors queued for the next TLS user
  return cert;
}

KeyPtr read_key(std::string_view pem) {
  auto bio = memory_bio(pem);
  // An empty passphrase callback: an encrypted key is refused rather than prompted for.
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
                 : nullptr);
  ERR_clear_error();
  return key;
}

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), md, &size) != 1) return {};
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    if (i) out += ':';
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0xf];
  }
  return out;
}

}  // namespace

Result<std::string> check_client_certificate(std::string_view pem) {
  if (pem.size() > 64 * 1024) return fail("the client certificate is too large (at most 64 KiB of PEM)");
  auto cert = read_certificate(pem);
  if (!cert) return fail("no PEM certificate found (expected a \"BEGIN CERTIFICATE\" block)");
  auto key = read_key(pem);
  if (!key)
    return fail("no usable private key found (expected an unencrypted \"BEGIN PRIVATE KEY\" block with the certificate)");
  const bool matches = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!matches) return fail("the private key does not belong to the certificate");
  return fingerprint_of(cert.get());
}

std::string certificate_fingerprint(std::string_view pem) {
  auto cert = read_certificate(pem);
  return cert ? fingerprint_of(cert.get()) : std::string();
}

bool is_pem_text(std::string_view certificate) { return certificate.find("-----BEGIN ") != std::string_view::npos; }

std::string client_certificate_for(const UserIdentity& identity, const NetworkConfig& network) {
  if (!identity.client_cert_pem.empty()) return identity.client_cert_pem;
  if (!identity.client_cert_pem_file.empty()) return identity.client_cert_pem_file;
  return network.client_certificate;
}

}  // namespace junction::irc
