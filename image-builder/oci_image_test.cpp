// Container images: whiteouts, docker-save and OCI layouts (as archives and
// directories), multi-image archives, and broken images.
#include "image-builder/oci_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/test_support.h"
#include "image-builder/testdata/archive_maker.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
namespace ts = testing_support;
using ::testing::HasSubstr;
using nlohmann::json;

std::vector<std::string> paths_of(const PayloadTree& t) {
  std::vector<std::string> out;
  for (const auto& [p, n] : t.nodes()) out.push_back(p);
  return out;
}

TreeEntry f(const std::string& path, const std::string& sha = "s") {
  TreeEntry e;
  e.path = path;
  e.sha256 = sha;
  return e;
}
TreeEntry d(const std::string& path) {
  TreeEntry e;
  e.path = path;
  e.type = NodeType::Dir;
  e.mode = 0755;
  return e;
}

TEST(Whiteouts, RemoveFilesAndDirectoriesOfLowerLayersOnly) {
  PayloadTree t;
  apply_layer(t, {d("/etc"), f("/etc/a"), f("/etc/b"), d("/var/cache"), f("/var/cache/x"), f("/var/keep")}, "/blobs",
              "oci", "layer 1");
  // Layer 2 deletes /etc/a and the directory /var/cache, and adds /etc/a2.
  apply_layer(t, {f("/etc/.wh.a"), f("/var/.wh.cache"), f("/etc/a2")}, "/blobs", "oci", "layer 2");
  EXPECT_EQ(paths_of(t), (std::vector<std::string>{"/etc", "/etc/a2", "/etc/b", "/var", "/var/keep"}));
}

TEST(Whiteouts, AWhiteoutDoesNotHideTheSameLayersEntryWhateverTheOrder) {
  PayloadTree t;
  apply_layer(t, {f("/a", "old")}, "/blobs", "oci", "layer 1");
  // Re-created in the same layer that whites it out (whiteout listed last).
  apply_layer(t, {f("/a", "new"), f("/.wh.a")}, "/blobs", "oci", "layer 2");
  ASSERT_NE(t.find("/a"), nullptr);
  EXPECT_EQ(t.find("/a")->content.sha256, "new");
}

TEST(Whiteouts, OpaqueDirectoriesDropLowerContentButKeepTheirOwn) {
  PayloadTree t;
  apply_layer(t, {d("/opt"), f("/opt/old1"), d("/opt/sub"), f("/opt/sub/old2"), f("/other")}, "/blobs", "oci", "1");
  apply_layer(t, {f("/opt/new"), f("/opt/.wh..wh..opq")}, "/blobs", "oci", "2");
  EXPECT_EQ(paths_of(t), (std::vector<std::string>{"/opt", "/opt/new", "/other"}));
}

TEST(Whiteouts, AFileReplacesADirectoryAndHardLinksShareBytes) {
  PayloadTree t;
  apply_layer(t, {d("/x"), f("/x/inside"), f("/orig", "abc")}, "/blobs", "oci", "1");
  TreeEntry link;
  link.path = "/copy";
  link.hardlink = "/orig";
  apply_layer(t, {f("/x", "now-a-file"), link}, "/blobs", "oci", "2");
  EXPECT_EQ(t.find("/x")->type, NodeType::File);
  EXPECT_EQ(t.find("/x/inside"), nullptr);
  EXPECT_EQ(t.find("/copy")->content.sha256, "abc");
  EXPECT_EQ(t.find("/copy")->content.file, "/blobs/abc");
}

// Layer tars shared by the archive tests: layer 2 deletes /etc/motd and adds /bin/hello.
std::string layer1() {
  return ts::make_archive({ts::dir("etc/"), ts::file("etc/motd", "welcome\n"), ts::file("etc/hostname", "box\n"),
                           ts::dir("bin/"), ts::file("bin/busybox", "BB", 0755), ts::symlink("bin/sh", "busybox")});
}
std::string layer2() {
  return ts::make_archive({ts::file("etc/.wh.motd", ""), ts::file("bin/hello", "#!/bin/sh\necho hi\n", 0755)});
}

void expect_merged(const UnpackedTree& t) {
  std::map<std::string, TreeEntry> by;
  for (const auto& e : t.entries) by[e.path] = e;
  EXPECT_FALSE(by.count("/etc/motd"));
  EXPECT_TRUE(by.count("/etc/hostname"));
  ASSERT_TRUE(by.count("/bin/hello"));
  EXPECT_EQ(read_file(t.blob(by["/bin/hello"].sha256)), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(by["/bin/sh"].link_target, "busybox");
  EXPECT_EQ(by["/bin/busybox"].mode, 0755u);
}

std::string docker_save(const std::vector<std::pair<std::string, std::vector<std::string>>>& images) {
  json manifest = json::array();
  std::vector<ts::Member> members;
  int n = 0;
  for (const auto& [tag, layers] : images) {
    json entry = {{"Config", "config.json"}, {"RepoTags", {tag}}, {"Layers", json::array()}};
    for (const auto& layer : layers) {
      std::string name = "layer" + std::to_string(++n) + "/layer.tar";
      members.push_back(ts::file(name, layer));
      entry["Layers"].push_back(name);
    }
    manifest.push_back(entry);
  }
  members.push_back(ts::file("config.json", "{}"));
  members.push_back(ts::file("manifest.json", manifest.dump()));  // last, as docker writes it
  return ts::make_archive(members);
}

std::vector<ts::Member> oci_layout(bool gzip_layers, const std::string& ref_name) {
  std::vector<ts::Member> blobs;
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", "sha256:" + sha256_hex("{}")}, {"size", 2}}},
                   {"layers", json::array()}};
  blobs.push_back(ts::file("blobs/sha256/" + sha256_hex("{}"), "{}"));
  for (const std::string& layer : {layer1(), layer2()}) {
    std::string bytes = layer;
    if (gzip_layers) {
      // Compress the real layer: a gzip stream of the tar bytes, made by libarchive's raw writer.
      archive* a = archive_write_new();
      archive_write_set_format_raw(a);
      archive_write_add_filter_gzip(a);
      std::vector<char> buf(1 << 20);
      size_t used = 0;
      archive_write_open_memory(a, buf.data(), buf.size(), &used);
      archive_entry* e = archive_entry_new();
      archive_entry_set_filetype(e, AE_IFREG);
      archive_write_header(a, e);
      archive_write_data(a, layer.data(), layer.size());
      archive_entry_free(e);
      archive_write_close(a);
      archive_write_free(a);
      bytes.assign(buf.data(), used);
    }
    std::string digest = sha256_hex(bytes);
    blobs.push_back(ts::file("blobs/sha256/" + digest, bytes));
    manifest["layers"].push_back({{"mediaType", gzip_layers ? "application/vnd.oci.image.layer.v1.tar+gzip"
                                                            : "application/vnd.oci.image.layer.v1.tar"},
                                  {"digest", "sha256:" + digest},
                                  {"size", bytes.size()}});
  }
  std::string mbytes = manifest.dump();
  blobs.push_back(ts::file("blobs/sha256/" + sha256_hex(mbytes), mbytes));
  json index = {{"schemaVersion", 2},
                {"manifests", {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                {"digest", "sha256:" + sha256_hex(mbytes)},
                                {"size", mbytes.size()},
                                {"annotations", {{"org.opencontainers.image.ref.name", ref_name}}}}}}};
  blobs.push_back(ts::file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  blobs.push_back(ts::file("index.json", index.dump()));
  return blobs;
}

TEST(OciImage, DockerSaveArchive) {
  auto dir = ts::scratch_dir("oci-docker");
  write_file_atomic(dir / "img.tar", docker_save({{"busybox:latest", {layer1(), layer2()}}}));
  UnpackedTree t = unpack_oci(dir / "img.tar", "", dir / "cache");
  EXPECT_EQ(t.meta["format"], "docker-save");
  EXPECT_EQ(t.meta["image"], "busybox:latest");
  expect_merged(t);
}

TEST(OciImage, OciArchiveWithGzipLayersAndOciLayoutDirectory) {
  auto dir = ts::scratch_dir("oci-layout");
  write_file_atomic(dir / "img.tar", ts::make_archive(oci_layout(true, "latest")));
  UnpackedTree t = unpack_oci(dir / "img.tar", "", dir / "cache");
  EXPECT_EQ(t.meta["format"], "oci");
  expect_merged(t);
  // The same layout as a directory.
  for (const auto& m : oci_layout(false, "latest")) write_file_atomic(dir / "layout" / m.name, m.data);
  UnpackedTree u = unpack_oci(dir / "layout", "busybox:latest", dir / "cache");
  expect_merged(u);
}

TEST(OciImage, MultiImageArchivesNeedARef) {
  auto dir = ts::scratch_dir("oci-multi");
  write_file_atomic(dir / "two.tar", docker_save({{"a:1", {layer1()}}, {"b:2", {layer1(), layer2()}}}));
  EXPECT_THAT([&] { unpack_oci(dir / "two.tar", "", dir / "cache"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("two.tar: holds 2 images (a:1, b:2); pick one with oci_ref")));
  EXPECT_THAT([&] { unpack_oci(dir / "two.tar", "c:3", dir / "cache"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("no image tagged 'c:3' (it holds a:1, b:2)")));
  expect_merged(unpack_oci(dir / "two.tar", "b:2", dir / "cache"));
}

TEST(OciImage, BrokenImagesAreErrorsNamingTheArchiveAndThePart) {
  auto dir = ts::scratch_dir("oci-broken");
  auto error_of = [&](const std::string& name, const std::string& bytes) {
    write_file_atomic(dir / name, bytes);
    try {
      unpack_oci(dir / name, "", dir / "cache");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string good = docker_save({{"x:1", {layer1(), layer2()}}});
  EXPECT_THAT(error_of("trunc.tar", good.substr(0, good.size() / 3)), HasSubstr("trunc.tar: corrupt or truncated archive"));
  EXPECT_THAT(error_of("text.tar", "hello"), HasSubstr("text.tar: cannot open archive (corrupt, truncated or not an archive)"));
  EXPECT_THAT(error_of("plain.tar", ts::make_archive({ts::file("readme", "x")})),
              HasSubstr("plain.tar: not a container image (neither an OCI layout"));
  EXPECT_THAT(error_of("badjson.tar", ts::make_archive({ts::file("manifest.json", "[{")})),
              HasSubstr("badjson.tar: manifest.json is not valid JSON"));
  EXPECT_THAT(error_of("nolayer.tar", ts::make_archive({ts::file("manifest.json", R"([{"RepoTags":["x:1"],"Layers":["l/layer.tar"]}])")})),
              HasSubstr("nolayer.tar: layer l/layer.tar is missing"));
  EXPECT_THAT(error_of("badlayer.tar", ts::make_archive({ts::file("manifest.json", R"([{"RepoTags":["x:1"],"Layers":["l.tar"]}])"),
                                                         ts::file("l.tar", "garbage garbage")})),
              HasSubstr("badlayer.tar: layer l.tar is not a (compressed) tar archive"));
  auto members = oci_layout(false, "latest");
  for (auto& m : members)
    if (m.name.rfind("blobs/", 0) == 0 && m.data.find("welcome") != std::string::npos) m.data[m.data.size() / 2] ^= 1;
  EXPECT_THAT(error_of("digest.tar", ts::make_archive(members)), HasSubstr(" is corrupt: its content has digest sha256:"));
  // Nothing half-made stays in the cache.
  if (stdfs::exists(dir / "cache" / "unpacked"))
    for (const auto& e : stdfs::directory_iterator(dir / "cache" / "unpacked")) ADD_FAILURE() << "left: " << e.path();
}

// Symbolic links inside an image archive: only relative ones that stay inside
// are followed. A layer or manifest.json linked to a host file is refused, and
// no byte of that file reaches the image or the message.
TEST(OciImage, LinksOutOfTheArchiveAreRefused) {
  auto dir = ts::scratch_dir("oci-links");
  // Host files an attacker would like to read.
  write_file_atomic(dir / "host-layer.tar", ts::make_archive({ts::file("stolen", "HOST SECRET")}));
  write_file_atomic(dir / "shadow", "root:$6$SECRETHASH:19000:0:99999:7:::\n");
  const std::string manifest = R"([{"RepoTags":["x:1"],"Layers":["l0/layer.tar"]}])";
  auto check = [&](const std::string& name, const std::vector<ts::Member>& members, const std::string& expected) {
    write_file_atomic(dir / name, ts::make_archive(members));
    const std::string err = ts::error_message([&] { unpack_oci(dir / name, "", dir / "cache"); });
    EXPECT_THAT(err, HasSubstr(expected)) << name;
    EXPECT_THAT(err, ::testing::Not(HasSubstr("SECRET"))) << name;
  };
  check("abs-layer.tar", {ts::file("manifest.json", manifest), ts::symlink("l0/layer.tar", (dir / "host-layer.tar").string())},
        "abs-layer.tar: refusing l0/layer.tar: it is a symbolic link to the absolute path");
  check("abs-manifest.tar", {ts::symlink("manifest.json", (dir / "shadow").string())},
        "abs-manifest.tar: refusing manifest.json: it is a symbolic link to the absolute path");
  check("climbing.tar", {ts::file("manifest.json", manifest), ts::dir("l0/"), ts::symlink("l0/layer.tar", "../../../../../../../../" + (dir / "host-layer.tar").relative_path().string())},
        "refusing l0/layer.tar: it leads outside the image");
  check("dir-link.tar", {ts::file("manifest.json", manifest), ts::symlink("l0", dir.string())},
        "refusing l0/layer.tar: it is a symbolic link to the absolute path");
  // A FIFO named manifest.json would block a reader forever: never extracted.
  check("fifo.tar", {ts::fifo("manifest.json"), ts::file("x", "y")}, "fifo.tar: not a container image");
  // skopeo's docker-archive links a layer shared by two images: relative and inside.
  write_file_atomic(dir / "relative.tar",
                    ts::make_archive({ts::file("a/layer.tar", layer1()), ts::dir("b/"), ts::symlink("b/layer.tar", "../a/layer.tar"),
                                      ts::file("c/layer.tar", layer2()),
                                      ts::file("manifest.json", R"([{"RepoTags":["x:1"],"Layers":["b/layer.tar","c/layer.tar"]}])")}));
  expect_merged(unpack_oci(dir / "relative.tar", "", dir / "cache"));
}

TEST(OciImage, LinksOutOfAnOciLayoutDirectoryAreRefused) {
  auto dir = ts::scratch_dir("oci-layout-links");
  write_file_atomic(dir / "shadow", "SECRET\n");
  auto layout = [&](const std::string& name) {
    for (const auto& m : oci_layout(false, "latest")) write_file_atomic(dir / name / m.name, m.data);
    return dir / name;
  };
  for (const char* file : {"index.json", "oci-layout"}) {
    const auto root = layout(std::string("l-") + file);
    stdfs::remove(root / file);
    stdfs::create_symlink(dir / "shadow", root / file);
    const std::string err = ts::error_message([&] { unpack_oci(root, "", dir / "cache"); });
    EXPECT_THAT(err, HasSubstr(std::string("refusing ") + file + ": it is a symbolic link to the absolute path"));
    EXPECT_THAT(err, ::testing::Not(HasSubstr("SECRET")));
  }
  // A blob replaced by a link to a host file.
  const auto root = layout("l-blob");
  for (const auto& e : stdfs::directory_iterator(root / "blobs" / "sha256")) {
    if (read_file(e.path()).find("welcome") == std::string::npos) continue;
    stdfs::remove(e.path());
    stdfs::create_symlink(dir / "shadow", e.path());
  }
  EXPECT_THAT(ts::error_message([&] { unpack_oci(root, "", dir / "cache"); }),
              HasSubstr("it is a symbolic link to the absolute path"));
  // A FIFO where index.json should be: refused, not read (which would block).
  const auto fifo_root = layout("l-fifo");
  stdfs::remove(fifo_root / "index.json");
  ASSERT_EQ(::mkfifo((fifo_root / "index.json").c_str(), 0644), 0);
  EXPECT_THAT(ts::error_message([&] { unpack_oci(fifo_root, "", dir / "cache"); }), HasSubstr("refusing index.json: not a regular file"));
}

// JSON of the wrong shape is an error naming the archive, the file and the
// field, not the JSON library's bare message.
TEST(OciImage, WrongJsonFieldsNameTheFileAndTheField) {
  auto dir = ts::scratch_dir("oci-json-fields");
  auto docker = [&](const std::string& name, const std::string& manifest) {
    write_file_atomic(dir / name, ts::make_archive({ts::file("manifest.json", manifest), ts::file("l.tar", layer1())}));
    return ts::error_message([&] { unpack_oci(dir / name, "", dir / "cache"); });
  };
  EXPECT_THAT(docker("tags.tar", R"([{"RepoTags":[1],"Layers":["l.tar"]}])"),
              HasSubstr("tags.tar: manifest.json: [0].RepoTags[0] must be a string, not number"));
  EXPECT_THAT(docker("tagsobj.tar", R"([{"RepoTags":"x:1","Layers":["l.tar"]}])"),
              HasSubstr("manifest.json: [0].RepoTags must be an array, not string"));
  EXPECT_THAT(docker("layers.tar", R"([{"RepoTags":["x:1"],"Layers":"l.tar"}])"),
              HasSubstr("manifest.json: [0].Layers must be an array, not string"));
  EXPECT_THAT(docker("layer.tar", R"([{"RepoTags":["x:1"],"Layers":[null]}])"),
              HasSubstr("manifest.json: [0].Layers[0] must be a string, not null"));
  EXPECT_THAT(docker("image.tar", R"([5])"), HasSubstr("manifest.json: [0] must be an object, not number"));
  EXPECT_THAT(docker("big.tar", "[\"" + std::string(17u << 20, 'x') + "\"]"), HasSubstr("manifest.json is larger than 16 MiB"));

  auto oci = [&](const std::string& name, const std::function<void(json& index, json& manifest)>& edit) {
    auto members = oci_layout(false, "latest");
    json index, manifest;
    std::string manifest_name;
    for (auto& m : members) {
      if (m.name == "index.json") index = json::parse(m.data);
    }
    const std::string old_digest = index["manifests"][0]["digest"].get<std::string>();
    for (auto& m : members)
      if (m.name == "blobs/sha256/" + old_digest.substr(7)) manifest = json::parse(m.data), manifest_name = m.name;
    edit(index, manifest);
    const std::string mbytes = manifest.dump();
    for (auto& m : members) {
      if (m.name == manifest_name) m = ts::file("blobs/sha256/" + sha256_hex(mbytes), mbytes);
    }
    if (index["manifests"].is_array() && index["manifests"][0].is_object() && index["manifests"][0]["digest"] == old_digest)
      index["manifests"][0]["digest"] = "sha256:" + sha256_hex(mbytes);
    for (auto& m : members)
      if (m.name == "index.json") m.data = index.dump();
    write_file_atomic(dir / name, ts::make_archive(members));
    return ts::error_message([&] { unpack_oci(dir / name, "", dir / "cache"); });
  };
  EXPECT_THAT(oci("digest.tar", [](json& i, json&) { i["manifests"][0]["digest"] = 5; }),
              HasSubstr("digest.tar: index.json: manifests[0].digest must be a string, not number"));
  EXPECT_THAT(oci("manifests.tar", [](json& i, json&) { i["manifests"] = "x"; }),
              HasSubstr("index.json.manifests must be an array, not string"));
  EXPECT_THAT(oci("ann.tar", [](json& i, json&) { i["manifests"][0]["annotations"] = json::array(); }),
              HasSubstr("index.json: manifests[0].annotations must be an object, not array"));
  EXPECT_THAT(oci("layer.tar", [](json&, json& m) { m["layers"][0]["digest"] = json::object(); }),
              HasSubstr(": layers[0].digest must be a string, not object"));
  EXPECT_THAT(oci("slash.tar", [](json&, json& m) { m["layers"][0]["digest"] = "sha256:../../../etc/passwd"; }),
              HasSubstr("malformed digest 'sha256:../../../etc/passwd'"));
}

// Limits inside container images: a layer member path past PATH_MAX (it was
// std::bad_alloc) and a decompression bomb in a layer, with and without
// --max-unpacked-size; nothing half-made stays in the cache.
TEST(OciImage, DeepPathsAndBombsInLayersAreRefusedAndTheLimitCanBeRaised) {
  auto dir = ts::scratch_dir("oci-limits");
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "a/";
  write_file_atomic(dir / "deep.tar", docker_save({{"x:1", {ts::make_archive({ts::file(deep + "f", "x")})}}}));
  EXPECT_THAT(ts::error_message([&] { unpack_oci(dir / "deep.tar", "", dir / "cache"); }),
              HasSubstr("is longer than 4096 bytes (Linux's PATH_MAX)"));

  const std::string bomb_layer = ts::make_archive({ts::file("zeros", std::string(24u << 20, '\0'))}, "tar", "gzip");
  write_file_atomic(dir / "bomb.tar", docker_save({{"x:1", {bomb_layer}}}));
  EXPECT_THAT(ts::error_message([&] { unpack_oci(dir / "bomb.tar", "", dir / "cache", 16u << 20); }),
              HasSubstr("bomb.tar: layer layer1/layer.tar (/zeros): unpacking needs more than the limit of 16 MiB"));
  for (const auto& e : stdfs::directory_iterator(dir / "cache" / "unpacked")) ADD_FAILURE() << "left: " << e.path();
  // The outer archive counts too: a layer that is itself 24 MiB.
  write_file_atomic(dir / "outer.tar", docker_save({{"x:1", {ts::make_archive({ts::file("zeros", std::string(24u << 20, '\0'))})}}}));
  EXPECT_THAT(ts::error_message([&] { unpack_oci(dir / "outer.tar", "", dir / "cache", 16u << 20); }),
              HasSubstr("outer.tar (layer1/layer.tar): unpacking needs more than the limit of 16 MiB"));
  UnpackedTree t = unpack_oci(dir / "bomb.tar", "", dir / "cache", 64u << 20);
  ASSERT_EQ(t.entries.size(), 1u);
  EXPECT_EQ(t.entries[0].size, 24u << 20);
}

}  // namespace
}  // namespace tailor::image
