// The application manifest (TOML): what goes into an image, how the app runs,
// which kernel it gets and how its run is checked. Parsing is strict: unknown
// keys and wrong types are errors that name file:line:column.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tailor {

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
  std::vector<std::string> extra;       // config lines: "CONFIG_X=y" or "# CONFIG_X is not set"
  std::string cmdline;                  // appended to tailor's kernel command line
  std::string config;                   // absolute path of a full .config to use instead of the default source
  std::optional<Compression> compression;  // initramfs compression; default: chosen from the kernel config
  bool embed_initramfs = false;         // build the initramfs into bzImage (CONFIG_INITRAMFS_SOURCE)
};

struct RunSpec {
  int memory_mib = 256;
  int timeout_s = 300;
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

}  // namespace tailor
