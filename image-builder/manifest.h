// The application manifest (TOML): what goes into an image, how the app runs,
// which kernel it gets and how its run is checked. Parsing is strict: unknown
// keys and wrong types are errors that name file:line:column.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "image-builder/service_spec.h"

namespace tailor::image {

// Where something was written in a manifest, for error messages.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  // "file:line:column" (or just "file" when the position is unknown).
  std::string str() const;
};

// One [[payload]] table. A table may combine several kinds; they are applied
// in the order oci, deb, host, files (later ones overwrite earlier paths).
struct PayloadSpec {
  int index = 0;                      // 1-based position among the [[payload]] tables
  SourceLocation where;               // the table itself
  std::string oci;                    // absolute path: docker-save archive, OCI archive or OCI layout directory
  std::string oci_ref;                // which image of a multi-image archive ("busybox:latest"); empty: the only one
  std::vector<std::string> deb;       // package names ("sqlite3", "sqlite3=3.40.1-2") or absolute .deb file paths
  // true: apt resolves the packages' Depends/Pre-Depends into a closed set and
  // the image gets every package of it but the installation-only ones
  // (deb_selection.h); false: only the packages named, nothing else.
  bool deb_deps = true;
  bool deb_recommends = false;           // follow Recommends too
  std::vector<std::string> deb_include;  // keep these installation-only packages
  std::vector<std::string> deb_exclude;  // leave these (and what only they need) out
  std::vector<std::string> host;      // absolute host paths, copied to the same path in the image
  // image path -> absolute host path (the manifest names it relative to its own directory)
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<SourceLocation> deb_where;  // location of each deb entry (same order)
};

// A file system /init mounts before running the app.
struct MountSpec {
  std::string type;    // proc, sysfs, devtmpfs, tmpfs
  std::string target;  // absolute path in the guest
};

enum class Compression { Gzip, Zstd, Lz4, None };
std::string compression_name(Compression c);              // "gzip", ...
std::string compression_suffix(Compression c);            // ".gz", ".zst", ".lz4", ""
std::optional<Compression> parse_compression(const std::string& name);

struct AppSpec {
  std::vector<std::string> argv;                            // argv[0]: absolute path inside the image
  std::vector<std::pair<std::string, std::string>> env;     // in manifest order
  std::string workdir = "/";
  std::vector<MountSpec> mounts;                            // default: devtmpfs on /dev, proc on /proc
  bool loopback = true;                                     // bring up `lo` (127.0.0.1) when the kernel has networking
};

struct KernelSpec {
  int smp = 1;                          // vCPUs
  bool kml = false;                     // Kernel-Mode-Linux: the app runs at CPL 0 from /trusted
  // kml: more programs of the payload to place under /trusted, rewritten like
  // the app (image paths), and where each is written
  std::vector<std::string> trusted;
  std::vector<SourceLocation> trusted_where;
  std::vector<std::string> extra;       // config lines: "CONFIG_X=y" or "# CONFIG_X is not set"
  std::string cmdline;                  // appended to tailor's kernel command line
  std::string config;                   // absolute path of a full .config to use instead of the default source
  std::optional<Compression> compression;  // initramfs compression; default: chosen from the kernel config
  bool embed_initramfs = false;         // build the initramfs into bzImage (CONFIG_INITRAMFS_SOURCE)
};

struct RunSpec {
  int memory_mib = 256;
  int timeout_s = 300;
  bool timeout_set = false; // timeout_s written in the manifest (a service without it runs until stopped)
  int stop_timeout_s = 10;  // after a stop request: SIGTERM to the app, this long, then SIGKILL
};

// [net]: the app as a network service. Absent: no network device at all.
struct NetSpec {
  bool present = false;
  SourceLocation where;                  // the [net] table
  std::string tap;                       // mode = "tap:NAME"; empty: "user" (rootless NAT)
  std::vector<PortForwardSpec> ports;    // user mode: host -> guest
  std::string address = "10.0.2.15/24";  // the guest's, configured by /init (no DHCP)
  std::string gateway = "10.0.2.2";
  std::string dns = "10.0.2.3";
};

// One [[volume]]: a raw ext4 image on virtio-blk, mounted by /init.
constexpr size_t kMaxVolumes = 8;
struct VolumeSpec {
  SourceLocation where;
  std::string path;                      // mount point in the guest
  std::filesystem::path image;           // absolute host path (the manifest names it relative to itself)
  int size_mib = 64;                     // when created
  std::filesystem::path seed;            // optional directory copied in when created
  bool read_only = false;
};

struct CheckSpec {
  bool present = false;                   // the manifest has a [check] table
  std::vector<std::string> stdout_has;    // substrings the console output must contain, in any order
  int exit_code = 0;
};

struct Manifest {
  std::filesystem::path path;  // absolute path of the manifest file
  std::filesystem::path dir;   // its directory: relative paths are resolved against it
  std::string name;
  AppSpec app;
  std::vector<PayloadSpec> payloads;
  KernelSpec kernel;
  RunSpec run;
  NetSpec net;
  std::vector<VolumeSpec> volumes;
  CheckSpec check;
  SourceLocation argv_where;  // of [app] argv, for errors about argv[0]
};

// Parses manifest text; `path` names the file in messages and anchors relative
// paths. Throws Error "path:line:column: what is wrong" on syntax errors,
// unknown keys, wrong types and invalid values.
Manifest parse_manifest(const std::string& text, const std::filesystem::path& path);

// Reads and parses a manifest file (throws Error naming the file if unreadable).
Manifest load_manifest(const std::filesystem::path& path);

// "CONFIG_X=y" from a user's "X", "X=y", "CONFIG_X=m", "X=n" ("# CONFIG_X is
// not set"), "NR_CPUS=8", 'CMDLINE="..."'. Throws Error on a malformed name.
std::string normalize_config_symbol(const std::string& text);

}  // namespace tailor::image
