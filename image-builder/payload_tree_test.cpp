// PayloadTree: paths land where a real file system would put them.
#include "image-builder/payload_tree.h"

#include <gtest/gtest.h>


#include "common/error.h"

namespace tailor::image {
namespace {

PayloadNode dir() {
  PayloadNode n;
  n.type = NodeType::Dir;
  n.mode = 0755;
  return n;
}
PayloadNode file(const std::string& source = "test") {
  PayloadNode n;
  n.source = source;
  return n;
}
PayloadNode link(const std::string& target) {
  PayloadNode n;
  n.type = NodeType::Symlink;
  n.link_target = target;
  return n;
}

std::vector<std::string> paths(const PayloadTree& t) {
  std::vector<std::string> out;
  for (const auto& [p, n] : t.nodes()) out.push_back(p);
  return out;
}

TEST(PayloadTree, CreatesParentsAndKeepsPathsSorted) {
  PayloadTree t;
  t.put("/usr/bin/x", file());
  t.put("/etc/a", file());
  EXPECT_EQ(paths(t), (std::vector<std::string>{"/etc", "/etc/a", "/usr", "/usr/bin", "/usr/bin/x"}));
  EXPECT_EQ(t.find("/usr")->type, NodeType::Dir);
  EXPECT_EQ(t.find("/usr")->source, "parent directory");
}

TEST(PayloadTree, FollowsSymlinkedParentsLikeAFileSystem) {
  PayloadTree t;
  t.put("/usr/lib", dir());
  t.put("/lib", link("usr/lib"));  // a usr-merged image
  EXPECT_EQ(t.put("/lib/x86_64-linux-gnu/libc.so.6", file()), "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_NE(t.find("/usr/lib/x86_64-linux-gnu/libc.so.6"), nullptr);
  EXPECT_EQ(t.find("/lib/x86_64-linux-gnu/libc.so.6"), nullptr);
  std::string real;
  ASSERT_NE(t.lookup("/lib/x86_64-linux-gnu/libc.so.6", &real), nullptr);
  EXPECT_EQ(real, "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(PayloadTree, ResolvesRelativeAndAbsoluteLinks) {
  PayloadTree t;
  t.put("/usr/bin/python3.11", file());
  t.put("/usr/bin/python3", link("python3.11"));
  t.put("/bin", link("/usr/bin"));
  t.put("/opt/up", link("../usr/bin/python3"));
  EXPECT_EQ(t.resolve("/bin/python3"), "/usr/bin/python3.11");
  EXPECT_EQ(t.resolve("/opt/up"), "/usr/bin/python3.11");
  EXPECT_FALSE(t.resolve("/bin/missing").has_value());
}

TEST(PayloadTree, LoopsAndDanglingLinksDoNotResolve) {
  PayloadTree t;
  t.put("/a", link("b"));
  t.put("/b", link("a"));
  t.put("/c", link("/nowhere"));
  EXPECT_FALSE(t.resolve("/a").has_value());
  EXPECT_FALSE(t.resolve("/c").has_value());
  EXPECT_THROW(t.put("/a/x", file()), Error);
}

TEST(PayloadTree, AFileCannotHoldChildren) {
  PayloadTree t;
  t.put("/etc", file("deb foo"));
  try {
    t.put("/etc/passwd", file());
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cannot put files under /etc: it is a file (from deb foo)");
  }
}

TEST(PayloadTree, ReplacingADirectoryWithAFileDropsItsChildrenButDirOverDirMerges) {
  PayloadTree t;
  t.put("/d/x", file());
  PayloadNode d = dir();
  d.mode = 0700;
  t.put("/d", d);
  EXPECT_NE(t.find("/d/x"), nullptr);
  EXPECT_EQ(t.find("/d")->mode, 0700u);
  t.put("/d", file());
  EXPECT_EQ(t.find("/d/x"), nullptr);
  EXPECT_EQ(t.find("/d")->type, NodeType::File);
}

TEST(PayloadTree, RemoveTakesTheSubtreeOnlyAndNotLookalikes) {
  PayloadTree t;
  t.put("/a/b/c", file());
  t.put("/a/b-c", file());
  t.put("/a/bc", file());
  t.remove("/a/b");
  EXPECT_EQ(paths(t), (std::vector<std::string>{"/a", "/a/b-c", "/a/bc"}));
  t.remove_children("/a");
  EXPECT_EQ(paths(t), (std::vector<std::string>{"/a"}));
}

TEST(PayloadTree, NormalizesPaths) {
  EXPECT_EQ(normalize_image_path("//usr/./lib//x/"), "/usr/lib/x");
  EXPECT_EQ(normalize_image_path("/a/../../b"), "/b");
  EXPECT_EQ(normalize_image_path(""), "/");
  EXPECT_EQ(image_dirname("/usr/bin/x"), "/usr/bin");
  EXPECT_EQ(image_dirname("/x"), "/");
}

// Every way into the tree refuses what the initramfs could not carry intact.
TEST(PayloadTree, RefusesNulBytesAndPathsPastLinuxsLimits) {
  PayloadTree t;
  try {
    t.put(std::string("/init\0x", 7), file());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image path '/init\\0x' holds a NUL byte"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(t.empty());
  EXPECT_THROW(t.put("/" + std::string(256, 'n'), file()), Error);
  EXPECT_NO_THROW(t.put("/" + std::string(255, 'n'), file()));
  EXPECT_EQ(image_path_problem(std::string(4096, '/')), "");
  EXPECT_NE(image_path_problem(std::string(4097, '/')), "");
}

// One image path of 100,000 components used to take 11 GB and 107 s (a
// string per parent, each as long as the path). Now: refused at once; and at
// the limit (2047 levels), many files in the deepest directory cost one
// lookup each.
// A path past Linux's limits is refused; 1000 files at the depth limit (which
// cost a copy of the path per level before) are accepted. No timing assertion:
// unit tests are not benchmarks, and this machine is shared.
TEST(PayloadTree, DeepPathsAreBoundedAndManyFilesAtTheLimitFit) {
  PayloadTree t;
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "/a";
  EXPECT_THROW(t.put(deep, file()), Error);
  std::string limit;
  while (limit.size() + 2 <= kMaxImagePathBytes - 8) limit += "/d";
  for (int i = 0; i < 1000; ++i) t.put(limit + "/f" + std::to_string(i), file());
  EXPECT_EQ(t.nodes().size(), (limit.size() / 2) + 1000);
}

}  // namespace
}  // namespace tailor::image
