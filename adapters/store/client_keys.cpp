// Client keys (client_keys.hpp).
#include "adapters/store/client_keys.hpp"

#include <Poco/DigestEngine.h>
#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

#include "adapters/codec/digest.hpp"

namespace onestop::store {

// `n` bytes from the operating system's random source, as lower-case hex.
std::string random_hex(std::size_t n) {
  Poco::DigestEngine::Digest bytes(n);
  std::size_t filled = 0;
  while (filled < n) {
    const ssize_t got = getrandom(bytes.data() + filled, n - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("the system's random source failed");
    }
    filled += static_cast<std::size_t>(got);
  }
  return Poco::DigestEngine::digestToHex(bytes);
}

// SHA-256(salt ‖ secret) in hex.
std::string key_hash(std::string_view salt, std::string_view secret) {
  return codec::Sha256().update(salt).update(secret).hex();
}

// Equal strings, in a time that depends only on their lengths (both are 64 hex digits here).
bool same_hash(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

namespace {

bool is_hex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

// A presented key split into (key id, secret), or nullopt when it is not of our form.
std::optional<std::pair<std::string_view, std::string_view>> split_key(std::string_view key) {
  if (!key.starts_with(kKeyPrefix)) return std::nullopt;
  key.remove_prefix(kKeyPrefix.size());
  const std::size_t id_len = kKeyIdBytes * 2;
  if (key.size() != id_len + 1 + kSecretBytes * 2 || key[id_len] != '_') return std::nullopt;
  const std::string_view id = key.substr(0, id_len);
  const std::string_view secret = key.substr(id_len + 1);
  if (!is_hex(id) || !is_hex(secret)) return std::nullopt;
  return std::pair{id, secret};
}

NewKey new_key() {
  NewKey k;
  k.key_id = random_hex(kKeyIdBytes);
  const std::string secret = random_hex(kSecretBytes);
  k.salt = random_hex(kSaltBytes);
  k.hash = key_hash(k.salt, secret);
  k.key = std::string(kKeyPrefix) + k.key_id + "_" + secret;
  return k;
}

}  // namespace onestop::store
