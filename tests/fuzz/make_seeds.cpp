// Writes the fuzz targets' binary seed corpora at build time, so that none
// is a committed blob without its generator:
//   make_seeds OUT_DIR SOURCE_DIR ELF_FILE...
// OUT_DIR/<target>/ receives: container images (docker-save and OCI archives)
// and .deb packages made with libarchive; the given ELF files (the build's
// own closure fixtures); the Kconfig golden trees as multi-file inputs and
// their .config files; device programs in device_ops.h's encoding.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/testdata/archive_maker.h"
#include "runner/devices/virtio_blk.h"
#include "runner/devices/virtio_mmio.h"
#include "tests/fuzz/device_ops.h"

namespace {

namespace stdfs = std::filesystem;
namespace ts = tailor::testing_support;
using nlohmann::json;
using namespace tailor::fuzz::device_ops;

void put(const stdfs::path& file, const std::string& bytes) {
  stdfs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

// --- container images ------------------------------------------------------

// A base layer and an upper layer with a whiteout, an opaque directory, a
// hard link and a symlink: every kind of entry the layer merge handles.
std::vector<std::string> layers() {
  return {ts::make_archive({ts::dir("etc/"), ts::file("etc/motd", "hi\n"), ts::dir("opt/"), ts::file("opt/old", "o"),
                            ts::dir("bin/"), ts::file("bin/tool", "T", 0755), ts::symlink("bin/sh", "tool")}),
          ts::make_archive({ts::file("etc/.wh.motd", ""), ts::file("opt/.wh..wh..opq", ""), ts::file("opt/new", "n"),
                            ts::hardlink("bin/tool2", "bin/tool")})};
}

std::string docker_save_archive() {
  std::vector<ts::Member> members;
  json image = {{"Config", "config.json"}, {"RepoTags", {"app:1"}}, {"Layers", json::array()}};
  int n = 0;
  for (const auto& layer : layers()) {
    const std::string name = "l" + std::to_string(++n) + "/layer.tar";
    members.push_back(ts::file(name, layer));
    image["Layers"].push_back(name);
  }
  members.push_back(ts::file("config.json", "{}"));
  members.push_back(ts::file("manifest.json", json::array({image}).dump()));
  return ts::make_archive(members);
}

json descriptor(const std::string& media_type, const std::string& bytes) {
  return {{"mediaType", media_type}, {"digest", "sha256:" + tailor::sha256_hex(bytes)}, {"size", bytes.size()}};
}

// An OCI image layout as an archive, layers gzip-compressed, blobs by digest.
std::string oci_archive() {
  std::vector<ts::Member> members;
  auto blob = [&](const std::string& bytes) { members.push_back(ts::file("blobs/sha256/" + tailor::sha256_hex(bytes), bytes)); };
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config", descriptor("application/vnd.oci.image.config.v1+json", "{}")},
                   {"layers", json::array()}};
  blob("{}");
  for (const auto& members_of_layer : {std::vector<ts::Member>{ts::dir("usr/"), ts::file("usr/a", "a", 0755)},
                                       std::vector<ts::Member>{ts::file("usr/.wh.a", ""), ts::file("usr/b", "b")}}) {
    const std::string bytes = ts::make_archive(members_of_layer, "tar", "gzip");
    blob(bytes);
    manifest["layers"].push_back(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", bytes));
  }
  const std::string manifest_bytes = manifest.dump();
  blob(manifest_bytes);
  json entry = descriptor("application/vnd.oci.image.manifest.v1+json", manifest_bytes);
  entry["annotations"] = {{"org.opencontainers.image.ref.name", "latest"}};
  members.push_back(ts::file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  members.push_back(ts::file("index.json", json{{"schemaVersion", 2}, {"manifests", {entry}}}.dump()));
  return ts::make_archive(members);
}

// --- Debian packages ---------------------------------------------------------

std::string deb(const std::string& filter, const std::string& ext) {
  const std::string control =
      "Package: seed\nVersion: 1:1.0-1\nArchitecture: amd64\nSection: utils\n"
      "Pre-Depends: libc6 (>= 2.34)\nDepends: liba1 | liba-alt, python3:any\nDescription: seed\n a seed package\n";
  const std::string control_tar = ts::make_archive({ts::file("./control", control)}, "tar", filter);
  const std::string data_tar = ts::make_archive(
      {ts::dir("./"), ts::dir("./usr/"), ts::dir("./usr/bin/"), ts::file("./usr/bin/seed", "#!/bin/sh\n", 0755),
       ts::symlink("./usr/bin/seed-link", "seed"), ts::hardlink("./usr/bin/seed2", "./usr/bin/seed")},
      "tar", filter);
  return ts::make_archive({ts::file("debian-binary", "2.0\n"), ts::file("control.tar." + ext, control_tar),
                           ts::file("data.tar." + ext, data_tar)},
                          "ar");
}

// --- Kconfig -------------------------------------------------------------------

// A golden tree as one kconfig_fuzz input: Kconfig, then "#--- NAME" + each other file.
std::string kconfig_input(const stdfs::path& tree) {
  std::string out = tailor::read_file(tree / "Kconfig");
  for (const auto& e : stdfs::recursive_directory_iterator(tree)) {
    const std::string rel = stdfs::relative(e.path(), tree).string();
    if (!e.is_regular_file() || rel == "Kconfig" || rel.find("Kconfig") == std::string::npos) continue;
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "#--- " + rel + "\n" + tailor::read_file(e.path());
  }
  return out;
}

void kconfig_seeds(const stdfs::path& source, const stdfs::path& out) {
  const stdfs::path testdata = source / "kconfig-analyzer" / "kconfig" / "testdata";
  for (const auto& dir : stdfs::directory_iterator(testdata)) {
    const std::string name = dir.path().filename().string();
    if (!stdfs::exists(dir.path() / "Kconfig")) continue;
    put(out / "kconfig" / (name + ".kconfig"), kconfig_input(dir.path()));
    // dotconfig_fuzz: "# tree: NAME[ modern]" picks the tree the .config is read against.
    if (stdfs::exists(dir.path() / "input.config"))
      put(out / "dotconfig" / (name + ".input.config"), "# tree: " + name + "\n" + tailor::read_file(dir.path() / "input.config"));
    if (!stdfs::exists(dir.path() / "expected")) continue;
    for (const auto& f : stdfs::directory_iterator(dir.path() / "expected")) {
      const std::string file = f.path().filename().string();
      const bool modern = file.find(".modern.") != std::string::npos;
      put(out / "dotconfig" / (name + "." + file), "# tree: " + name + (modern ? " modern" : "") + "\n" + tailor::read_file(f.path()));
    }
  }
}

// --- device programs -------------------------------------------------------

class Program {
 public:
  Program& read(std::uint16_t offset, std::uint8_t width_index) { return op(kRead).u16(offset).u8(width_index); }
  Program& write(std::uint16_t offset, std::uint32_t value, std::uint8_t width_index = 0) {
    return op(kWrite).u16(offset).u8(width_index).u32(value);
  }
  Program& host_bytes(const std::string& bytes) { return op(kHostBytes).u8(static_cast<std::uint8_t>(bytes.size())).raw(bytes); }
  Program& guest_ram(std::uint16_t gpa, const std::string& bytes) {
    return op(kHostBytes).u16(gpa).u8(static_cast<std::uint8_t>(bytes.size())).raw(bytes);
  }
  Program& setup(std::uint8_t queue) { return op(kSetup).u8(queue); }
  Program& u8(std::uint8_t v) { bytes_ += static_cast<char>(v); return *this; }
  Program& u16(std::uint16_t v) { return u8(v & 0xff).u8(v >> 8); }
  Program& u32(std::uint32_t v) { return u16(v & 0xffff).u16(v >> 16); }
  Program& u64(std::uint64_t v) { return u32(v & 0xffffffffu).u32(v >> 32); }
  Program& raw(const std::string& s) { bytes_ += s; return *this; }
  const std::string& bytes() const { return bytes_; }

 private:
  Program& op(Op o) { return u8(o); }
  std::string bytes_;
};

std::string le(std::uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
  return s;
}

// One descriptor: addr, len, flags (1 NEXT, 2 WRITE), next.
std::string descriptor(std::uint64_t addr, std::uint32_t len, std::uint16_t flags, std::uint16_t next) {
  return le(addr, 8) + le(len, 4) + le(flags, 2) + le(next, 2);
}

// A virtio-blk request of `type` for `sector` with one data buffer, on queue 0's ring slot `slot`.
Program& blk_request(Program& p, std::uint32_t type, std::uint64_t sector, bool device_writes, std::uint16_t slot) {
  using tailor::runner::devices::VirtioMmio;
  const std::uint16_t header = 0x8000, buffer = 0x8100, status = 0x8400;
  p.guest_ram(header, le(type, 4) + le(0, 4) + le(sector, 8));
  const std::uint16_t d = 0;  // served at once on notify, so every request may reuse descriptors 0-2
  p.guest_ram(static_cast<std::uint16_t>(desc_ring(0) + 16 * d),
              descriptor(header, 16, 1, d + 1) + descriptor(buffer, 512, device_writes ? 3 : 1, d + 2) +
                  descriptor(status, 1, 2, 0));
  p.guest_ram(static_cast<std::uint16_t>(avail_ring(0) + 4 + 2 * slot), le(d, 2));
  p.guest_ram(static_cast<std::uint16_t>(avail_ring(0) + 2), le(slot + 1u, 2));
  return p.write(VirtioMmio::kQueueNotify, 0, 2);
}

void device_seeds(const stdfs::path& out) {
  using tailor::runner::devices::VirtioBlk;
  using tailor::runner::devices::VirtioMmio;
  // virtio: the first byte is the read-only flag.
  Program probe;
  probe.u8(0);
  for (std::uint16_t reg : {VirtioMmio::kMagic, VirtioMmio::kVersion, VirtioMmio::kDeviceId, VirtioMmio::kDeviceFeatures})
    probe.read(reg, 2);
  probe.read(VirtioMmio::kConfig, 3).setup(0).read(VirtioMmio::kQueueNumMax, 2).read(VirtioMmio::kStatus, 2);
  put(out / "virtio" / "probe.ops", probe.bytes());
  Program io;
  io.u8(0).setup(0);
  blk_request(io, VirtioBlk::kIn, 1, true, 0);
  blk_request(io, VirtioBlk::kOut, 2, false, 1);
  blk_request(io, VirtioBlk::kGetId, 0, true, 2);
  blk_request(io, VirtioBlk::kFlush, 0, false, 3);
  io.read(VirtioMmio::kInterruptStatus, 2).write(VirtioMmio::kInterruptAck, 1, 2).write(VirtioMmio::kStatus, 0, 2);
  put(out / "virtio" / "requests.ops", io.bytes());
  Program ro;
  ro.u8(1).setup(0);
  blk_request(ro, VirtioBlk::kOut, 0, false, 0);
  put(out / "virtio" / "read-only-write.ops", ro.bytes());

  // 16550: the 8250 driver's probe (scratch, loopback, FIFO), a divisor, output and input.
  Program uart;
  uart.write(7, 0x55).read(7, 0).write(4, 0x10 | 0x0a).read(6, 0).write(4, 0x08).write(2, 0xc7).read(2, 0);
  uart.write(3, 0x80).write(0, 0x01).write(1, 0x00).write(3, 0x03).write(1, 0x0f);
  uart.write(0, 'h').write(0, 'i').read(5, 0).read(2, 0).host_bytes("typed\n").read(2, 0).read(0, 0).read(0, 2);
  put(out / "uart16550" / "probe.ops", uart.bytes());

  // i8042: Linux's i8042 probe, keyboard reset and identify, and a reboot through the output port.
  Program kbd;
  kbd.write(4, 0xaa).read(4, 0).read(0, 0).write(4, 0x20).read(0, 0).write(4, 0x60).write(0, 0x47);
  kbd.write(4, 0xab).read(0, 0).write(4, 0xa9).read(0, 0).write(0, 0xff).read(0, 0).read(0, 0).write(0, 0xf2);
  kbd.read(0, 0).read(0, 0).read(0, 0).write(4, 0xd0).read(0, 0).write(4, 0xd1).write(0, 0x00).write(4, 0xfe);
  put(out / "i8042" / "probe.ops", kbd.bytes());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make_seeds OUT_DIR SOURCE_DIR ELF_FILE...\n";
    return 2;
  }
  try {
    const stdfs::path out = argv[1], source = argv[2];
    put(out / "oci_image" / "docker-save.tar", docker_save_archive());
    put(out / "oci_image" / "oci-archive.tar", oci_archive());
    put(out / "deb" / "gzip.deb", deb("gzip", "gz"));
    put(out / "deb" / "xz.deb", deb("xz", "xz"));
    put(out / "deb" / "zstd.deb", deb("zstd", "zst"));
    for (int i = 3; i < argc; ++i) {
      const std::string bytes = tailor::read_file(argv[i]);
      const std::string name = stdfs::path(argv[i]).filename().string();
      put(out / "elf" / name, bytes);
      put(out / "elf_closure" / name, bytes);
      put(out / "syscall_sites" / name, bytes);
    }
    put(out / "elf_closure" / "script", "#!/app/prog -x\necho hi\n");
    kconfig_seeds(source, out);
    device_seeds(out);
  } catch (const std::exception& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
