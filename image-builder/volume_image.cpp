// Volume images with e2fsprogs, as clients: argv only, paths after "--"
// where the tool takes it.
#include "image-builder/volume_image.h"

#include <unistd.h>

#include <fstream>
#include <set>

#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "image-builder/kernel_config_source.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

// e2fsprogs work on large images in seconds; a hostile image must not keep a
// run from starting for ever.
constexpr std::chrono::minutes kToolTimeout{5};

std::string what_of(const VolumeSpec& v, size_t index) {
  return v.where.str() + ": [[volume]] #" + std::to_string(index + 1) + " (" + v.path + ", " + v.image.string() + ")";
}

void require(const char* program) {
  if (!find_program(program))
    throw Error(std::string("[[volume]] needs ") + program + " (Debian's e2fsprogs), which is not installed");
}

// The ext2/3/4 superblock's magic, 0xEF53 at byte 1080.
bool has_ext_magic(const stdfs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[2] = {};
  in.seekg(1080);
  return in.read(magic, 2) && static_cast<unsigned char>(magic[0]) == 0x53 &&
         static_cast<unsigned char>(magic[1]) == 0xEF;
}

void check_image(const VolumeSpec& v, size_t index) {
  const std::string what = what_of(v, index);
  std::error_code ec;
  if (!stdfs::is_regular_file(v.image, ec))
    throw Error(what + ": the image is not a regular file; remove it to have an empty one made");
  if (!has_ext_magic(v.image))
    throw Error(what + ": not an ext4 image (no ext superblock); remove it to have an empty one made, or name "
                       "another file");
  require("e2fsck");
  ProcessOptions o;
  o.capture = true;
  o.timeout = kToolTimeout;
  o.env = {{"LC_ALL", "C"}};
  // -n: read-only, answer no; -f: check even when marked clean.
  ProcessResult r = run_process({"e2fsck", "-n", "-f", v.image.string()}, o);
  if (!r.ok())
    throw Error(what + ": e2fsck finds the file system damaged (" + r.describe() + "); repair it with `e2fsck -f " +
                v.image.string() + "` or remove it. e2fsck said:\n" + r.output);
}

void create_image(const VolumeSpec& v, size_t index) {
  const std::string what = what_of(v, index);
  std::error_code ec;
  if (!stdfs::is_directory(v.image.parent_path(), ec))
    throw Error(what + ": directory " + v.image.parent_path().string() + " does not exist");
  if (!v.seed.empty() && !stdfs::is_directory(v.seed, ec))
    throw Error(what + ": seed " + v.seed.string() + " is not a directory");
  require("mke2fs");
  const stdfs::path temp = v.image.parent_path() / ("." + v.image.filename().string() + ".tmp-" + std::to_string(::getpid()));
  std::vector<std::string> argv = {"mke2fs", "-q", "-F", "-t", "ext4", "-E", "root_owner=0:0"};
  if (!v.seed.empty()) argv.insert(argv.end(), {"-d", v.seed.string()});
  argv.insert(argv.end(), {temp.string(), std::to_string(v.size_mib) + "M"});
  ProcessOptions o;
  o.capture = true;
  o.timeout = kToolTimeout;
  o.env = {{"LC_ALL", "C"}};
  ProcessResult r = run_process(argv, o);
  if (!r.ok()) {
    stdfs::remove(temp, ec);
    throw Error(what + ": mke2fs could not make the image (" + r.describe() + "):\n" + r.output);
  }
  stdfs::rename(temp, v.image);
}

}  // namespace

std::vector<PreparedVolume> prepare_volumes(const Manifest& m) {
  std::vector<PreparedVolume> out;
  try {
    for (size_t i = 0; i < m.volumes.size(); ++i) {
      const VolumeSpec& v = m.volumes[i];
      std::error_code ec;
      PreparedVolume p{v.image, v.read_only, false};
      if (!stdfs::exists(stdfs::symlink_status(v.image, ec))) {
        if (v.read_only && v.seed.empty())
          throw Error(what_of(v, i) + ": the image does not exist, and a read-only volume cannot start empty; "
                                      "name a seed directory or make the image");
        create_image(v, i);
        p.created = true;
      }
      out.push_back(p);
      check_image(v, i);
    }
  } catch (...) {
    remove_created_volumes(out);
    throw;
  }
  return out;
}

void remove_created_volumes(const std::vector<PreparedVolume>& volumes) {
  for (const auto& p : volumes)
    if (p.created) {
      std::error_code ec;
      stdfs::remove(p.image, ec);
    }
}

std::vector<std::string> missing_service_options(const Manifest& m, const std::string& config) {
  std::set<std::string> need;
  if (m.net.present) need.insert({"CONFIG_NET", "CONFIG_INET", "CONFIG_VIRTIO_MMIO", "CONFIG_VIRTIO_NET"});
  if (!m.volumes.empty()) need.insert({"CONFIG_BLOCK", "CONFIG_VIRTIO_MMIO", "CONFIG_VIRTIO_BLK", "CONFIG_EXT4_FS"});
  std::vector<std::string> missing;
  for (const auto& option : need)
    if (!config_enables(config, option)) missing.push_back(option);
  return missing;
}

}  // namespace tailor::image
