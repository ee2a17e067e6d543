// Content digests shared by the adapters: the policy content hash, the idempotency fingerprint
// of a request, the ledger's record hashes.
#pragma once

#include <string>
#include <string_view>

namespace onestop::codec {

// Lowercase hex SHA-256 of the bytes (Poco::SHA2Engine).
std::string sha256_hex(std::string_view bytes);

}  // namespace onestop::codec
