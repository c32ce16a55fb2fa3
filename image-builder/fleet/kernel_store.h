// tailor's kernel cache on a store shared between machines: the same redis
// or HTTP server that ccache uses as remote storage. An entry is published
// as content-addressed blobs (tailor/blob/<sha256>) and, last, an index
// (tailor/kernel/<key>.json: each file's name, size and SHA-256), so a
// reader never sees an index whose blobs are missing. Fetching checks
// everything the store says: file names from the fixed set, sizes, digests,
// and that build.json names the requested key; one mismatch refuses the
// whole entry (the store is not trusted). What digests cannot prove is that
// the publisher built honestly: share a store only with machines you trust
// to build.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/store_url.h"
#include "image-builder/kernel_build.h"

namespace tailor::fleet {

// Named objects on a store (redis keys, or URLs under the HTTP prefix).
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual std::optional<std::string> get(const std::string& name) = 0;  // nullopt: no such object
  virtual void put(const std::string& name, const std::string& data) = 0;
  virtual bool has(const std::string& name) = 0;
};

// redis:// through RedisClient; http(s):// through curl (argv, never a shell).
std::unique_ptr<ObjectStore> open_object_store(const StoreUrl& url);

// The kernel store on any ObjectStore (tests pass an in-memory one).
std::shared_ptr<image::KernelStore> kernel_store(std::shared_ptr<ObjectStore> objects, std::string description);

// The kernel store at `url` (checked with parse_store_url, naming `what`).
std::shared_ptr<image::KernelStore> kernel_store(const std::string& url, const std::string& what);

}  // namespace tailor::fleet
