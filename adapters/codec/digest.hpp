// Content digests shared by the adapters: the policy content hash, the idempotency fingerprint
// of a request, the ledger's record hashes, client key hashes.
//
// SHA-256 by OpenSSL's libcrypto, which uses the CPU's SHA extensions where it has them: a
// ledger record (~1 KB) hashes in ~1 µs, against ~8 µs with Poco::SHA2Engine (portable C),
// which was the largest single cost of `onestop verify`.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace onestop::codec {

// An incremental SHA-256: update() with the parts, then hex() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(std::string_view bytes);
  // The lowercase hex digest of everything updated so far; the hasher is spent.
  std::string hex();

 private:
  evp_md_ctx_st* ctx_;
};

// Lowercase hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace onestop::codec
