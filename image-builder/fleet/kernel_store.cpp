// The shared kernel store (see kernel_store.h).
#include "image-builder/fleet/kernel_store.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <set>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs.h"
#include "common/redis_client.h"
#include "common/sha256.h"
#include "common/subprocess.h"

namespace tailor::fleet {

namespace stdfs = std::filesystem;

namespace {

// The files of a kernel cache entry: the only names an index may hold.
constexpr std::array<const char*, 5> kEntryFiles = {"bzImage", "vmlinux", "System.map", ".config", "build.json"};

// Bigger than any kernel of ours (vmlinux: ~20 MiB); a store offering more is refused unread.
constexpr std::uint64_t kMaxFileBytes = 512ull << 20;

// Connects on first use: a store that is down costs nothing until needed.
class RedisObjects : public ObjectStore {
 public:
  explicit RedisObjects(const StoreUrl& url) : url_(url) {}
  std::optional<std::string> get(const std::string& name) override { return client().get(name); }
  void put(const std::string& name, const std::string& data) override { client().set(name, data); }
  bool has(const std::string& name) override { return client().exists(name); }

 private:
  RedisClient& client() {
    if (!client_) client_ = std::make_unique<RedisClient>(url_, std::chrono::seconds(60), kMaxFileBytes);
    return *client_;
  }
  StoreUrl url_;
  std::unique_ptr<RedisClient> client_;
};

// HTTP GET/PUT with curl: the URL was checked by parse_store_url and the
// object names are ours (hex digests), and curl gets them as one argv word
// after "--" plus --proto limiting it to the URL's own scheme.
class HttpObjects : public ObjectStore {
 public:
  explicit HttpObjects(const StoreUrl& url) : url_(url) {
    if (!find_program("curl")) throw Error("--remote-cache " + url.text + ": an HTTP store needs curl (apt-get install curl)");
  }
  std::optional<std::string> get(const std::string& name) override {
    TempDir tmp(stdfs::temp_directory_path() / "tailor-http-get");
    const stdfs::path file = tmp.path() / "object";
    auto status = curl({"--output", file.string(), "--max-filesize", std::to_string(kMaxFileBytes)}, name);
    if (status == 404) return std::nullopt;
    if (status != 200) throw Error(fmt::format("{}: GET {} answered HTTP {}", url_.text, name, status));
    return read_file(file);
  }
  void put(const std::string& name, const std::string& data) override {
    TempDir tmp(stdfs::temp_directory_path() / "tailor-http-put");
    const stdfs::path file = tmp.path() / "object";
    write_file_atomic(file, data);
    auto status = curl({"--upload-file", file.string(), "--output", "/dev/null"}, name);
    if (status < 200 || status > 299) throw Error(fmt::format("{}: PUT {} answered HTTP {}", url_.text, name, status));
  }
  bool has(const std::string& name) override {
    auto status = curl({"--head", "--output", "/dev/null"}, name);
    if (status == 404) return false;
    if (status != 200) throw Error(fmt::format("{}: HEAD {} answered HTTP {}", url_.text, name, status));
    return true;
  }

 private:
  int curl(std::vector<std::string> args, const std::string& name) {
    const std::string proto = url_.scheme == StoreUrl::Scheme::Https ? "=https" : "=http";
    std::vector<std::string> argv = {"curl", "--silent", "--show-error", "--proto", proto, "--max-time", "600",
                                     "--write-out", "%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--");
    argv.push_back(url_.text + "/" + name);
    ProcessOptions o;
    o.unset_env = {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
    std::string out = run_capture(argv, o);
    try {
      return std::stoi(out.substr(out.size() >= 3 ? out.size() - 3 : 0));
    } catch (const std::exception&) {
      throw Error(url_.text + ": curl gave no HTTP status for " + name);
    }
  }
  StoreUrl url_;
};

std::string index_name(const std::string& key) { return "tailor/kernel/" + key + ".json"; }
std::string blob_name(const std::string& sha) { return "tailor/blob/" + sha; }

bool hex_digest(const std::string& s, size_t length) {
  return s.size() == length && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class Store : public image::KernelStore {
 public:
  Store(std::shared_ptr<ObjectStore> objects, std::string description)
      : objects_(std::move(objects)), description_(std::move(description)) {}

  std::string describe() const override { return description_; }

  bool has(const std::string& key) override { return objects_->has(index_name(key)); }

  bool fetch(const std::string& key, const stdfs::path& dir) override {
    if (!hex_digest(key, 64)) throw Error("bad kernel key '" + key + "'");
    std::optional<std::string> index;
    try {
      index = objects_->get(index_name(key));
    } catch (const Error& e) {
      // An unreachable store is no reason to stop: the kernel is built here.
      std::fprintf(stderr, "tailor: warning: %s: %s; building the kernel here\n", description_.c_str(), e.what());
      return false;
    }
    if (!index) return false;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(*index);
    } catch (const std::exception&) {
      throw Error("its index is not JSON");
    }
    if (!j.is_object() || j.value("key", "") != key || !j.contains("files") || !j["files"].is_array())
      throw Error("its index is for another key or has no file list");
    std::set<std::string> seen;
    for (const auto& f : j["files"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("sha256") ||
          !f["sha256"].is_string() || !f.contains("size") || !f["size"].is_number_unsigned())
        throw Error("its index has a malformed file record");
      const std::string name = f["name"], sha = f["sha256"];
      const std::uint64_t size = f["size"];
      if (std::find(kEntryFiles.begin(), kEntryFiles.end(), name) == kEntryFiles.end())
        throw Error("its index names a file that is not part of a kernel entry: '" + name + "'");
      if (!seen.insert(name).second) throw Error("its index names " + name + " twice");
      if (!hex_digest(sha, 64)) throw Error("its index has a bad digest for " + name);
      if (size > kMaxFileBytes) throw Error(fmt::format("{} would be {} bytes, over the limit", name, size));
      auto data = objects_->get(blob_name(sha));
      if (!data) throw Error(name + " (" + sha.substr(0, 16) + ") is missing from the store");
      if (data->size() != size || sha256_hex(*data) != sha)
        throw Error(fmt::format("{} does not match its digest (got {} bytes, SHA-256 {})", name, data->size(),
                                sha256_hex(*data)));
      write_file_atomic(dir / name, *data);
    }
    if (seen.size() != kEntryFiles.size()) throw Error("its index lacks some of the entry's files");
    // build.json is written by the builder with its key: it must be this one.
    nlohmann::json meta;
    try {
      meta = nlohmann::json::parse(read_file(dir / "build.json"));
    } catch (const std::exception&) {
      throw Error("its build.json is not JSON");
    }
    if (!meta.is_object() || meta.value("key", "") != key) throw Error("its build.json is for another key");
    return true;
  }

  void publish(const std::string& key, const stdfs::path& entry) override {
    nlohmann::json files = nlohmann::json::array();
    for (const char* name : kEntryFiles) {
      const std::string data = read_file(entry / name);
      const std::string sha = sha256_hex(data);
      if (!objects_->has(blob_name(sha))) objects_->put(blob_name(sha), data);
      files.push_back({{"name", name}, {"sha256", sha}, {"size", data.size()}});
    }
    // The index goes last: whoever sees it finds every blob.
    objects_->put(index_name(key), nlohmann::json({{"key", key}, {"files", files}}).dump());
  }

 private:
  std::shared_ptr<ObjectStore> objects_;
  std::string description_;
};

}  // namespace

std::unique_ptr<ObjectStore> open_object_store(const StoreUrl& url) {
  if (url.scheme == StoreUrl::Scheme::Redis) return std::make_unique<RedisObjects>(url);
  return std::make_unique<HttpObjects>(url);
}

std::shared_ptr<image::KernelStore> kernel_store(std::shared_ptr<ObjectStore> objects, std::string description) {
  return std::make_shared<Store>(std::move(objects), std::move(description));
}

std::shared_ptr<image::KernelStore> kernel_store(const std::string& url, const std::string& what) {
  StoreUrl u = parse_store_url(url, what);
  return kernel_store(std::shared_ptr<ObjectStore>(open_object_store(u)), u.text);
}

}  // namespace tailor::fleet
