// The form of a client's API key and how it is kept (clients.hpp), whatever engine stores it:
// `osk_<key id>_<secret>`, of which only the key id, a random salt and SHA-256(salt ‖ secret)
// are stored.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace onestop::store {

inline constexpr std::string_view kKeyPrefix = "osk_";
inline constexpr std::size_t kKeyIdBytes = 8;    // 16 hex digits
inline constexpr std::size_t kSecretBytes = 32;  // 64 hex digits
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kKeysKept = 2;  // the newest and, during a rotation, the one before

// `n` bytes from the operating system's random source, as lower-case hex. Throws
// std::runtime_error when the source fails.
std::string random_hex(std::size_t n);

// SHA-256(salt ‖ secret) in hex.
std::string key_hash(std::string_view salt, std::string_view secret);

// Equal strings, in a time that depends only on their lengths (both are 64 hex digits here).
bool same_hash(std::string_view a, std::string_view b);

// A presented key split into (key id, secret), or nullopt when it is not of our form.
std::optional<std::pair<std::string_view, std::string_view>> split_key(std::string_view key);

// A new key: its id, its secret (shown once) and the salt and hash to store.
struct NewKey {
  std::string key_id;
  std::string key;  // osk_<key id>_<secret>
  std::string salt;
  std::string hash;
};
NewKey new_key();

}  // namespace onestop::store
