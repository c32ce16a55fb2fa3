// The shared kernel store on an in-memory object store: a published entry
// comes back byte for byte, and every way a store can lie is refused.
// (On a real redis-server: tests/kernel/remote_cache.sh.)
#include "image-builder/fleet/kernel_store.h"

#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"

namespace tailor::fleet {
namespace {

namespace stdfs = std::filesystem;

class MemoryObjects : public ObjectStore {
 public:
  std::optional<std::string> get(const std::string& name) override {
    auto it = objects.find(name);
    return it == objects.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void put(const std::string& name, const std::string& data) override { objects[name] = data; }
  bool has(const std::string& name) override { return objects.count(name) > 0; }
  std::map<std::string, std::string> objects;
};

const std::string kKey(64, 'a');

struct StoreTest : ::testing::Test {
  TempDir dir{stdfs::temp_directory_path() / "kernel-store-test"};
  std::shared_ptr<MemoryObjects> objects = std::make_shared<MemoryObjects>();
  std::shared_ptr<image::KernelStore> store = kernel_store(objects, "memory");

  stdfs::path entry() {
    stdfs::path e = dir.path() / "entry";
    stdfs::create_directories(e);
    write_file_atomic(e / "bzImage", "bz");
    write_file_atomic(e / "vmlinux", "vmlinux bytes");
    write_file_atomic(e / "System.map", "ffffffff81000000 T _text\n");
    write_file_atomic(e / ".config", "CONFIG_X=y\n");
    write_file_atomic(e / "build.json", "{\"key\": \"" + kKey + "\"}\n");
    return e;
  }
  stdfs::path fresh(const std::string& name) {
    stdfs::path d = dir.path() / name;
    stdfs::create_directories(d);
    return d;
  }
  std::string refusal(const std::string& name) {
    try {
      store->fetch(kKey, fresh(name));
    } catch (const Error& e) {
      return e.what();
    }
    return "(accepted)";
  }
};

TEST_F(StoreTest, PublishedEntryComesBackByteForByte) {
  EXPECT_FALSE(store->has(kKey));
  EXPECT_FALSE(store->fetch(kKey, fresh("empty")));
  store->publish(kKey, entry());
  EXPECT_TRUE(store->has(kKey));
  auto got = fresh("got");
  ASSERT_TRUE(store->fetch(kKey, got));
  for (const char* f : {"bzImage", "vmlinux", "System.map", ".config", "build.json"})
    EXPECT_EQ(read_file(got / f), read_file(entry() / f)) << f;
  // Blobs are content-addressed: publishing again adds nothing.
  auto count = objects->objects.size();
  store->publish(kKey, entry());
  EXPECT_EQ(objects->objects.size(), count);
}

TEST_F(StoreTest, ABlobThatDoesNotMatchItsDigestIsRefused) {
  store->publish(kKey, entry());
  objects->objects["tailor/blob/" + sha256_hex("bz")] = "evil";
  EXPECT_NE(refusal("tampered").find("bzImage does not match its digest"), std::string::npos);
}

TEST_F(StoreTest, AnIndexNamingAnotherFileOrKeyIsRefused) {
  store->publish(kKey, entry());
  auto& index = objects->objects["tailor/kernel/" + kKey + ".json"];
  const std::string good = index;
  index.replace(index.find("\"System.map\""), 12, "\"../../evil\"");
  EXPECT_NE(refusal("path").find("not part of a kernel entry: '../../evil'"), std::string::npos);
  index = good;
  index.replace(index.find(kKey), 64, std::string(64, 'b'));
  EXPECT_NE(refusal("other-key").find("another key"), std::string::npos);
  index = "not json";
  EXPECT_NE(refusal("json").find("not JSON"), std::string::npos);
}

TEST_F(StoreTest, AMissingBlobOrABuildJsonOfAnotherKeyIsRefused) {
  store->publish(kKey, entry());
  objects->objects.erase("tailor/blob/" + sha256_hex("vmlinux bytes"));
  EXPECT_NE(refusal("missing").find("vmlinux"), std::string::npos);

  auto e = entry();
  write_file_atomic(e / "build.json", "{\"key\": \"" + std::string(64, 'c') + "\"}\n");
  store->publish(kKey, e);
  EXPECT_NE(refusal("build-json").find("build.json is for another key"), std::string::npos);
}

}  // namespace
}  // namespace tailor::fleet
