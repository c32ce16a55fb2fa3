// SHA-256 digests (OpenSSL's libcrypto) for cache keys and lock files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace tailor {

// Incremental hasher; hex() returns the lowercase hex digest.
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  ~Sha256();

  Sha256& update(std::string_view data);
  // Adds a length-prefixed field, so that ("ab","c") and ("a","bc") differ.
  Sha256& field(std::string_view data);
  std::string hex();

 private:
  void* ctx_;  // EVP_MD_CTX*, owned; opaque here to keep OpenSSL out of the header.
};

std::string sha256_hex(std::string_view data);
// Digest of a file's bytes, read in chunks; throws Error naming the path.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace tailor
