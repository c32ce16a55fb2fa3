// docker-save and OCI layouts: find the chosen image's layers, read each
// layer tar (any compression) with libarchive, merge with whiteouts.
#include "image-builder/oci_image.h"

#include <archive.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/archive_extract.h"

namespace tailor {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

json read_json(const stdfs::path& file, const std::string& what) {
  std::error_code ec;
  if (!stdfs::is_regular_file(file, ec)) throw Error(what + ": missing " + file.filename().string());
  try {
    return json::parse(read_file(file));
  } catch (const json::exception& e) {
    throw Error(what + ": " + file.filename().string() + " is not valid JSON: " + e.what());
  }
}

// A layer inside the image, in order from the bottom.
struct LayerRef {
  stdfs::path file;
  std::string name;    // digest or path, for messages and metadata
  std::string digest;  // "sha256:..." when the format gives one (checked)
};

struct ImageLayers {
  std::string format;  // "docker-save" or "oci"
  std::string chosen;  // the image's tag or digest
  std::vector<LayerRef> layers;
};

std::string join_tags(const json& images) {
  std::string s;
  for (const auto& img : images)
    for (const auto& t : img.value("RepoTags", json::array())) s += (s.empty() ? "" : ", ") + t.get<std::string>();
  return s.empty() ? "(untagged)" : s;
}

bool ref_matches(const std::string& tag, const std::string& ref) {
  return tag == ref || (ref.find(':') == std::string::npos && tag == ref + ":latest");
}

ImageLayers docker_save_layers(const stdfs::path& root, const std::string& ref, const std::string& what) {
  json manifest = read_json(root / "manifest.json", what);
  if (!manifest.is_array() || manifest.empty()) throw Error(what + ": manifest.json lists no images");
  const json* chosen = nullptr;
  if (ref.empty()) {
    if (manifest.size() > 1)
      throw Error(what + ": holds " + std::to_string(manifest.size()) + " images (" + join_tags(manifest) +
                  "); pick one with oci_ref = \"...\"");
    chosen = &manifest[0];
  } else {
    for (const auto& img : manifest)
      for (const auto& t : img.value("RepoTags", json::array()))
        if (t.is_string() && ref_matches(t.get<std::string>(), ref)) chosen = &img;
    if (!chosen) throw Error(what + ": no image tagged '" + ref + "' (it holds " + join_tags(manifest) + ")");
  }
  ImageLayers out;
  out.format = "docker-save";
  auto tags = chosen->value("RepoTags", json::array());
  out.chosen = tags.empty() ? "(untagged)" : tags[0].get<std::string>();
  if (!chosen->contains("Layers") || !(*chosen)["Layers"].is_array())
    throw Error(what + ": manifest.json has no Layers list");
  for (const auto& l : (*chosen)["Layers"]) {
    if (!l.is_string()) throw Error(what + ": manifest.json: a layer name is not a string");
    std::string name = l.get<std::string>();
    if (name.find("..") != std::string::npos || name.empty() || name.front() == '/')
      throw Error(what + ": manifest.json: refusing layer path '" + name + "'");
    out.layers.push_back({root / name, name, ""});
  }
  return out;
}

stdfs::path blob_path(const stdfs::path& root, const std::string& digest, const std::string& what) {
  size_t colon = digest.find(':');
  if (colon == std::string::npos || digest.find('/') != std::string::npos || digest.find("..") != std::string::npos)
    throw Error(what + ": malformed digest '" + digest + "'");
  return root / "blobs" / digest.substr(0, colon) / digest.substr(colon + 1);
}

bool is_index(const json& j) {
  std::string mt = j.value("mediaType", "");
  return mt.find("image.index") != std::string::npos || mt.find("manifest.list") != std::string::npos ||
         (j.contains("manifests") && !j.contains("layers"));
}

ImageLayers oci_layers(const stdfs::path& root, const std::string& ref, const std::string& what) {
  json index = read_json(root / "index.json", what);
  if (!index.contains("manifests") || !index["manifests"].is_array() || index["manifests"].empty())
    throw Error(what + ": index.json lists no manifests");
  auto ref_name = [](const json& desc) {
    auto ann = desc.value("annotations", json::object());
    std::string name = ann.value("org.opencontainers.image.ref.name", "");
    if (name.empty()) name = ann.value("io.containerd.image.name", "");
    return name;
  };
  const json* chosen = nullptr;
  if (ref.empty()) {
    if (index["manifests"].size() > 1) {
      std::string names;
      for (const auto& m : index["manifests"]) names += (names.empty() ? "" : ", ") + ref_name(m);
      throw Error(what + ": holds " + std::to_string(index["manifests"].size()) + " images (" + names +
                  "); pick one with oci_ref = \"...\"");
    }
    chosen = &index["manifests"][0];
  } else {
    for (const auto& m : index["manifests"]) {
      std::string name = ref_name(m);
      // containerd writes full names ("docker.io/library/busybox:latest"); ref.name may be just the tag.
      if (name == ref || ref_matches(name, ref) ||
          (name.size() > ref.size() && name.compare(name.size() - ref.size(), ref.size(), ref) == 0 &&
           name[name.size() - ref.size() - 1] == '/') ||
          (ref.find(':') != std::string::npos && name == ref.substr(ref.rfind(':') + 1)))
        chosen = &m;
    }
    if (!chosen) throw Error(what + ": no image named '" + ref + "' in index.json");
  }
  ImageLayers out;
  out.format = "oci";
  out.chosen = ref_name(*chosen).empty() ? chosen->value("digest", "") : ref_name(*chosen);
  json manifest = read_json(blob_path(root, chosen->value("digest", ""), what), what);
  // A multi-platform index: take linux/amd64.
  for (int depth = 0; is_index(manifest) && depth < 4; ++depth) {
    const json* pick = nullptr;
    for (const auto& m : manifest.value("manifests", json::array())) {
      auto p = m.value("platform", json::object());
      if (p.value("os", "") == "linux" && p.value("architecture", "") == "amd64") pick = &m;
    }
    if (!pick) throw Error(what + ": the image has no linux/amd64 variant");
    manifest = read_json(blob_path(root, pick->value("digest", ""), what), what);
  }
  if (!manifest.contains("layers") || !manifest["layers"].is_array())
    throw Error(what + ": the image manifest has no layers list");
  for (const auto& l : manifest["layers"]) {
    std::string digest = l.value("digest", "");
    out.layers.push_back({blob_path(root, digest, what), digest, digest});
  }
  return out;
}

ImageLayers find_layers(const stdfs::path& root, const std::string& ref, const std::string& what) {
  std::error_code ec;
  if (stdfs::is_regular_file(root / "oci-layout", ec) && stdfs::is_regular_file(root / "index.json", ec))
    return oci_layers(root, ref, what);
  if (stdfs::is_regular_file(root / "manifest.json", ec)) return docker_save_layers(root, ref, what);
  throw Error(what + ": not a container image (neither an OCI layout with oci-layout and index.json, nor a "
              "docker-save archive with manifest.json)");
}

std::vector<TreeEntry> read_layer(const LayerRef& layer, BlobStore& blobs, const std::string& what) {
  const std::string label = what + ": layer " + layer.name;
  std::error_code ec;
  if (!stdfs::is_regular_file(layer.file, ec)) throw Error(label + " is missing");
  if (!layer.digest.empty() && layer.digest.rfind("sha256:", 0) == 0) {
    std::string actual = "sha256:" + sha256_file(layer.file);
    if (actual != layer.digest) throw Error(label + " is corrupt: its content has digest " + actual);
  }
  std::unique_ptr<archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), layer.file.c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(label + " is not a (compressed) tar archive: " + archive_error_string(a.get()));
  return read_tar_entries(a.get(), blobs, label);
}

// Hash of what identifies an image directory (its JSON and layer bytes).
std::string directory_identity(const stdfs::path& root, const ImageLayers& layers) {
  Sha256 h;
  for (const char* f : {"index.json", "manifest.json"}) {
    std::error_code ec;
    if (stdfs::is_regular_file(root / f, ec)) h.field(read_file(root / f));
  }
  for (const auto& l : layers.layers) {
    std::error_code ec;
    h.field(l.name);
    h.field(stdfs::is_regular_file(l.file, ec) ? sha256_file(l.file) : "missing");
  }
  return h.hex();
}

}  // namespace

void apply_layer(PayloadTree& tree, const std::vector<TreeEntry>& layer, const stdfs::path& blob_dir,
                 const std::string& source, const std::string& what) {
  // 1. Whiteouts, against the layers below.
  for (const auto& e : layer) {
    const std::string name = basename_of(e.path);
    if (name.rfind(kWhiteoutPrefix, 0) != 0) continue;
    const std::string dir = image_dirname(e.path);
    if (name == kOpaqueMarker) {
      if (const PayloadNode* d = tree.find(dir); d && d->type == NodeType::Dir) tree.remove_children(dir);
    } else {
      const std::string hidden = name.substr(std::string(kWhiteoutPrefix).size());
      if (hidden.empty() || hidden == "." || hidden == "..") throw Error(what + ": malformed whiteout " + e.path);
      tree.remove(dir == "/" ? "/" + hidden : dir + "/" + hidden);
    }
  }
  // 2. The layer's own entries.
  for (const auto& e : layer) {
    if (basename_of(e.path).rfind(kWhiteoutPrefix, 0) == 0) continue;
    PayloadNode n = payload_node(e, blob_dir, source, "payload");
    if (e.type == NodeType::File && !e.hardlink.empty()) {
      const PayloadNode* target = tree.find(e.hardlink);
      if (!target || target->type != NodeType::File)
        throw Error(what + ": hard link " + e.path + " points to " + e.hardlink + ", which is not a file");
      n.content = target->content;
    }
    tree.put(e.path, n);
  }
}

UnpackedTree unpack_oci(const stdfs::path& path, const std::string& ref, const stdfs::path& cache) {
  const std::string what = path.string();
  std::error_code ec;
  const bool is_dir = stdfs::is_directory(path, ec);
  if (!is_dir && !stdfs::is_regular_file(path, ec)) throw Error(what + ": no such image archive or directory");

  std::string key;
  std::optional<TempDir> unpacked;  // an archive's outer tar, extracted once per build when not cached
  stdfs::path root = path;
  if (is_dir) {
    key = directory_identity(root, find_layers(root, ref, what));
  } else {
    key = sha256_file(path);
  }
  key = "oci-" + sha256_hex(key + "\n" + ref);

  return cached_unpack(cache, key, [&](BlobStore& blobs) {
    if (!is_dir) {
      unpacked.emplace(cache / "unpacked" / ("outer-" + key));
      try {
        extract_archive(path, unpacked->path());
      } catch (const Error& e) {
        throw Error(std::string(e.what()) + " (expected a docker-save archive or an OCI image archive)");
      }
      root = unpacked->path();
    }
    ImageLayers layers = find_layers(root, ref, what);
    PayloadTree tree;
    json layer_names = json::array();
    for (size_t i = 0; i < layers.layers.size(); ++i) {
      const auto& l = layers.layers[i];
      std::vector<TreeEntry> entries = read_layer(l, blobs, what);
      apply_layer(tree, entries, blobs.dir(), "oci", what + ": layer " + l.name);
      layer_names.push_back(l.name);
    }
    std::vector<TreeEntry> merged;
    for (const auto& [p, n] : tree.nodes()) {
      TreeEntry e;
      e.path = p;
      e.type = n.type;
      e.mode = n.mode;
      e.link_target = n.link_target;
      e.size = n.content.size;
      e.sha256 = n.content.sha256;
      e.rdev_major = n.rdev_major;
      e.rdev_minor = n.rdev_minor;
      merged.push_back(e);
    }
    json meta = {{"format", layers.format}, {"image", layers.chosen}, {"layers", layer_names},
                 {"archive", path.filename().string()}};
    return std::make_pair(merged, meta);
  });
}

}  // namespace tailor
