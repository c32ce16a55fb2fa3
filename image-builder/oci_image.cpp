// docker-save and OCI layouts: find the chosen image's layers, read each
// layer tar (any compression) with libarchive, merge with whiteouts.
#include "image-builder/oci_image.h"

#include <archive.h>

#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/archive_extract.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string basename_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Image metadata files are a few KiB; anything bigger is not one.
constexpr std::uint64_t kMaxJsonBytes = 16u << 20;
constexpr int kMaxSymlinks = 40;  // like the kernel's MAXSYMLINKS

// The regular file `rel` ('/'-separated, relative) names inside the image
// directory `root`, or nullopt when there is none. Symbolic links are
// followed only when they are relative and stay inside `root` (skopeo links
// layers to each other that way); one that is absolute or climbs out is
// refused, so that an archive cannot make a host file (a tarball, a
// password file) part of the image or of an error message. A FIFO or device
// is refused too: reading one could block or never end.
std::optional<stdfs::path> resolve_inside(const stdfs::path& root, const std::string& rel, const std::string& what) {
  std::vector<std::string> todo;  // components still to walk, last first
  auto push_components = [&](const std::string& path) {
    const std::vector<std::string> parts = image_path_components(path);
    todo.insert(todo.end(), parts.rbegin(), parts.rend());
  };
  push_components(rel);
  std::vector<std::string> done;  // the resolved components so far
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.back());
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (done.empty()) throw Error(what + ": refusing " + rel + ": it leads outside the image");
      done.pop_back();
      continue;
    }
    stdfs::path here = root;
    for (const auto& d : done) here /= d;
    here /= part;
    std::error_code ec;
    const auto st = stdfs::symlink_status(here, ec);
    if (ec || !stdfs::exists(st)) return std::nullopt;
    if (stdfs::is_symlink(st)) {
      const std::string target = stdfs::read_symlink(here, ec).string();
      if (ec) return std::nullopt;
      if (target.empty() || target.front() == '/')
        throw Error(what + ": refusing " + rel + ": it is a symbolic link to the absolute path " + target +
                    ", outside the image (only relative links inside it are followed)");
      if (++links > kMaxSymlinks) throw Error(what + ": refusing " + rel + ": symbolic links loop");
      push_components(target);
      continue;
    }
    done.push_back(std::move(part));
    if (!todo.empty() && !stdfs::is_directory(st)) return std::nullopt;
    if (todo.empty() && !stdfs::is_regular_file(st))
      throw Error(what + ": refusing " + rel + ": not a regular file");
  }
  if (done.empty()) return std::nullopt;
  stdfs::path out = root;
  for (const auto& d : done) out /= d;
  return out;
}

json read_json(const stdfs::path& root, const std::string& rel, const std::string& what) {
  auto file = resolve_inside(root, rel, what);
  if (!file) throw Error(what + ": missing " + rel);
  std::error_code ec;
  if (stdfs::file_size(*file, ec) > kMaxJsonBytes)
    throw Error(what + ": " + rel + " is larger than " + size_text(kMaxJsonBytes) + ": not image metadata");
  try {
    return json::parse(read_file(*file));
  } catch (const json::exception& e) {
    throw Error(what + ": " + rel + " is not valid JSON: " + e.what());
  }
}

// Typed access to the fields of an image's JSON files: a wrong type is an
// error naming the archive, the file and the field, e.g.
// "img.tar: manifest.json: [0].Layers[1] must be a string, not number".
[[noreturn]] void wrong_type(const json& j, const std::string& where, const char* expected, const std::string& what) {
  throw Error(what + ": " + where + " must be " + expected + ", not " + j.type_name());
}
// obj[key], or nullptr when absent; obj itself must be an object.
const json* optional_field(const json& obj, const std::string& key, const std::string& where, const std::string& what) {
  if (!obj.is_object()) wrong_type(obj, where, "an object", what);
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}
std::string string_at(const json& j, const std::string& where, const std::string& what) {
  if (!j.is_string()) wrong_type(j, where, "a string", what);
  return j.get<std::string>();
}
// An optional string field ("" when absent).
std::string string_field(const json& obj, const std::string& key, const std::string& where, const std::string& what) {
  const json* f = optional_field(obj, key, where, what);
  return f ? string_at(*f, where + "." + key, what) : std::string();
}
// An optional array field (empty when absent).
const json& array_field(const json& obj, const std::string& key, const std::string& where, const std::string& what) {
  static const json empty = json::array();
  const json* f = optional_field(obj, key, where, what);
  if (!f) return empty;
  if (!f->is_array()) wrong_type(*f, where + "." + key, "an array", what);
  return *f;
}

// A layer inside the image, in order from the bottom.
struct LayerRef {
  std::optional<stdfs::path> file;  // resolved inside the image; nullopt: missing
  std::string name;                 // digest or path, for messages and metadata
  std::string digest;               // "sha256:..." when the format gives one (checked)
};

struct ImageLayers {
  std::string format;  // "docker-save" or "oci"
  std::string chosen;  // the image's tag or digest
  std::vector<LayerRef> layers;
};

bool ref_matches(const std::string& tag, const std::string& ref) {
  return tag == ref || (ref.find(':') == std::string::npos && tag == ref + ":latest");
}

ImageLayers docker_save_layers(const stdfs::path& root, const std::string& ref, const std::string& what) {
  const json manifest = read_json(root, "manifest.json", what);
  if (!manifest.is_array() || manifest.empty()) throw Error(what + ": manifest.json lists no images");
  // Every image's tags and layers, checked field by field.
  struct DockerImage {
    std::vector<std::string> tags;
    std::optional<std::vector<std::string>> layers;  // nullopt: no Layers list
  };
  std::vector<DockerImage> images;
  std::string all_tags;
  for (size_t i = 0; i < manifest.size(); ++i) {
    const std::string where = "manifest.json: [" + std::to_string(i) + "]";
    DockerImage img;
    const json& tags = array_field(manifest[i], "RepoTags", where, what);
    for (size_t k = 0; k < tags.size(); ++k) {
      img.tags.push_back(string_at(tags[k], where + ".RepoTags[" + std::to_string(k) + "]", what));
      all_tags += (all_tags.empty() ? "" : ", ") + img.tags.back();
    }
    const json* layers = optional_field(manifest[i], "Layers", where, what);
    if (layers && !layers->is_array()) wrong_type(*layers, where + ".Layers", "an array", what);
    if (layers) {
      img.layers.emplace();
      for (size_t k = 0; k < layers->size(); ++k)
        img.layers->push_back(string_at((*layers)[k], where + ".Layers[" + std::to_string(k) + "]", what));
    }
    images.push_back(std::move(img));
  }
  if (all_tags.empty()) all_tags = "(untagged)";
  const DockerImage* chosen = nullptr;
  if (ref.empty()) {
    if (images.size() > 1)
      throw Error(what + ": holds " + std::to_string(images.size()) + " images (" + all_tags +
                  "); pick one with oci_ref = \"...\"");
    chosen = &images[0];
  } else {
    for (const auto& img : images)
      for (const auto& t : img.tags)
        if (ref_matches(t, ref)) chosen = &img;
    if (!chosen) throw Error(what + ": no image tagged '" + ref + "' (it holds " + all_tags + ")");
  }
  ImageLayers out;
  out.format = "docker-save";
  out.chosen = chosen->tags.empty() ? "(untagged)" : chosen->tags[0];
  if (!chosen->layers) throw Error(what + ": manifest.json has no Layers list");
  for (const auto& name : *chosen->layers) {
    if (name.find("..") != std::string::npos || name.empty() || name.front() == '/' ||
        name.find('\0') != std::string::npos)
      throw Error(what + ": manifest.json: refusing layer path '" + name + "'");
    out.layers.push_back({resolve_inside(root, name, what), name, ""});
  }
  return out;
}

// "sha256:<hex>" -> "blobs/sha256/<hex>", the only shape a digest may have
// here (no '/', no '..': it becomes a path).
std::string blob_path(const std::string& digest, const std::string& what) {
  const size_t colon = digest.find(':');
  auto is = [](const std::string& s, const char* allowed) {
    return !s.empty() && s.find_first_not_of(allowed) == std::string::npos;
  };
  if (colon == std::string::npos || !is(digest.substr(0, colon), "abcdefghijklmnopqrstuvwxyz0123456789+._-") ||
      !is(digest.substr(colon + 1), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-") ||
      digest[0] == '.')
    throw Error(what + ": malformed digest '" + digest.substr(0, 100) + "'");
  return "blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1);
}

// A JSON blob named by digest, its bytes checked against a sha256 digest.
json read_blob_json(const stdfs::path& root, const std::string& digest, const std::string& what) {
  const std::string rel = blob_path(digest, what);
  json j = read_json(root, rel, what);
  if (digest.rfind("sha256:", 0) == 0) {
    const std::string actual = "sha256:" + sha256_file(*resolve_inside(root, rel, what));
    if (actual != digest) throw Error(what + ": " + rel + " is corrupt: its content has digest " + actual);
  }
  return j;
}

bool is_index(const json& j, const std::string& where, const std::string& what) {
  const std::string mt = string_field(j, "mediaType", where, what);
  return mt.find("image.index") != std::string::npos || mt.find("manifest.list") != std::string::npos ||
         (j.contains("manifests") && !j.contains("layers"));
}

ImageLayers oci_layers(const stdfs::path& root, const std::string& ref, const std::string& what) {
  const json index = read_json(root, "index.json", what);
  const json& manifests = array_field(index, "manifests", "index.json", what);
  if (manifests.empty()) throw Error(what + ": index.json lists no manifests");
  // Each descriptor's name (annotations) and digest, checked field by field.
  struct Descriptor {
    std::string name, digest;
  };
  std::vector<Descriptor> descriptors;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const std::string where = "index.json: manifests[" + std::to_string(i) + "]";
    Descriptor d;
    d.digest = string_field(manifests[i], "digest", where, what);
    if (const json* ann = optional_field(manifests[i], "annotations", where, what)) {
      d.name = string_field(*ann, "org.opencontainers.image.ref.name", where + ".annotations", what);
      if (d.name.empty()) d.name = string_field(*ann, "io.containerd.image.name", where + ".annotations", what);
    }
    descriptors.push_back(std::move(d));
  }
  const Descriptor* chosen = nullptr;
  if (ref.empty()) {
    if (descriptors.size() > 1) {
      std::string names;
      for (const auto& d : descriptors) names += (names.empty() ? "" : ", ") + d.name;
      throw Error(what + ": holds " + std::to_string(descriptors.size()) + " images (" + names +
                  "); pick one with oci_ref = \"...\"");
    }
    chosen = &descriptors[0];
  } else {
    for (const auto& d : descriptors) {
      const std::string& name = d.name;
      // containerd writes full names ("docker.io/library/busybox:latest"); ref.name may be just the tag.
      if (name == ref || ref_matches(name, ref) ||
          (name.size() > ref.size() && name.compare(name.size() - ref.size(), ref.size(), ref) == 0 &&
           name[name.size() - ref.size() - 1] == '/') ||
          (ref.find(':') != std::string::npos && name == ref.substr(ref.rfind(':') + 1)))
        chosen = &d;
    }
    if (!chosen) throw Error(what + ": no image named '" + ref + "' in index.json");
  }
  ImageLayers out;
  out.format = "oci";
  out.chosen = chosen->name.empty() ? chosen->digest : chosen->name;
  std::string where = "manifest " + chosen->digest.substr(0, 80);
  json manifest = read_blob_json(root, chosen->digest, what);
  // A multi-platform index: take linux/amd64.
  for (int depth = 0; is_index(manifest, where, what) && depth < 4; ++depth) {
    const json& list = array_field(manifest, "manifests", where, what);
    std::string pick;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = where + ": manifests[" + std::to_string(i) + "]";
      const json* p = optional_field(list[i], "platform", at, what);
      if (p && string_field(*p, "os", at + ".platform", what) == "linux" &&
          string_field(*p, "architecture", at + ".platform", what) == "amd64")
        pick = string_field(list[i], "digest", at, what);
    }
    if (pick.empty()) throw Error(what + ": the image has no linux/amd64 variant");
    where = "manifest " + pick.substr(0, 80);
    manifest = read_blob_json(root, pick, what);
  }
  const json* layers = optional_field(manifest, "layers", where, what);
  if (!layers || !layers->is_array()) throw Error(what + ": the image manifest has no layers list");
  for (size_t i = 0; i < layers->size(); ++i) {
    const std::string digest = string_field((*layers)[i], "digest", where + ": layers[" + std::to_string(i) + "]", what);
    out.layers.push_back({resolve_inside(root, blob_path(digest, what), what), digest, digest});
  }
  return out;
}

ImageLayers find_layers(const stdfs::path& root, const std::string& ref, const std::string& what) {
  if (resolve_inside(root, "oci-layout", what) && resolve_inside(root, "index.json", what))
    return oci_layers(root, ref, what);
  if (resolve_inside(root, "manifest.json", what)) return docker_save_layers(root, ref, what);
  throw Error(what + ": not a container image (neither an OCI layout with oci-layout and index.json, nor a "
              "docker-save archive with manifest.json)");
}

std::vector<TreeEntry> read_layer(const LayerRef& layer, BlobStore& blobs, UnpackBudget& budget, const std::string& what) {
  const std::string label = what + ": layer " + layer.name;
  if (!layer.file) throw Error(label + " is missing");
  if (!layer.digest.empty() && layer.digest.rfind("sha256:", 0) == 0) {
    std::string actual = "sha256:" + sha256_file(*layer.file);
    if (actual != layer.digest) throw Error(label + " is corrupt: its content has digest " + actual);
  }
  std::unique_ptr<archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), layer.file->c_str(), 1 << 16) != ARCHIVE_OK)
    throw Error(label + " is not a (compressed) tar archive: " + archive_message(a.get()));
  return read_tar_entries(a.get(), blobs, budget, label);
}

// Hash of what identifies an image directory (its JSON and layer bytes).
std::string directory_identity(const stdfs::path& root, const ImageLayers& layers, const std::string& what) {
  Sha256 h;
  for (const char* f : {"index.json", "manifest.json"})
    if (auto file = resolve_inside(root, f, what)) h.field(sha256_file(*file));
  for (const auto& l : layers.layers) {
    h.field(l.name);
    h.field(l.file ? sha256_file(*l.file) : "missing");
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

UnpackedTree unpack_oci(const stdfs::path& path, const std::string& ref, const stdfs::path& cache,
                        std::uint64_t max_unpacked_bytes) {
  const std::string what = path.string();
  std::error_code ec;
  const bool is_dir = stdfs::is_directory(path, ec);
  if (!is_dir && !stdfs::is_regular_file(path, ec)) throw Error(what + ": no such image archive or directory");

  std::string key;
  std::optional<TempDir> unpacked;  // an archive's outer tar, extracted once per build when not cached
  stdfs::path root = path;
  if (is_dir) {
    key = directory_identity(root, find_layers(root, ref, what), what);
  } else {
    key = sha256_file(path);
  }
  key = "oci-" + sha256_hex(key + "\n" + ref);

  return cached_unpack(cache, key, what, max_unpacked_bytes, [&](BlobStore& blobs, UnpackBudget& budget) {
    if (!is_dir) {
      unpacked.emplace(cache / "unpacked" / ("outer-" + key));
      try {
        ExtractOptions options;
        options.budget = &budget;
        extract_archive(path, unpacked->path(), options);
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
      std::vector<TreeEntry> entries = read_layer(l, blobs, budget, what);
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

}  // namespace tailor::image
