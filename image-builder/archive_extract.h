// Unpacking archives (kernel source tarballs, .deb data, image layers) with
// libarchive, refusing paths that would escape the destination, and the size
// budget that keeps a hostile archive from filling the disk or memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

struct archive;

namespace tailor::image {

// libarchive's message for the last error of `a`. libarchive can fail without
// setting one (archive_error_string() is then NULL, and appending NULL to a
// std::string crashed on a crafted .deb found by the deb fuzz target).
std::string archive_message(struct archive* a);

// How much one archive (a .deb, a container image with all its layers) may
// unpack to by default; `--max-unpacked-size` raises it.
constexpr std::uint64_t kDefaultMaxUnpackedBytes = std::uint64_t{1} << 30;  // 1 GiB
// What each member costs besides its bytes and its name: a file system block,
// so that a flood of empty members (each one costs memory) is bounded too.
constexpr std::uint64_t kMemberOverheadBytes = 4096;

// The size budget of one unpack: file bytes (sparse holes included, since
// they become real zeros in an initramfs), plus kMemberOverheadBytes and the
// name and link target of every member. A compression bomb stops with an
// error at the limit instead of writing gigabytes.
class UnpackBudget {
 public:
  explicit UnpackBudget(std::uint64_t limit = kDefaultMaxUnpackedBytes) : limit_(limit) {}
  // Takes `bytes`; throws Error naming `what` and the limit when the total
  // would pass it.
  void charge(std::uint64_t bytes, const std::string& what);
  // One member: the overhead, its name and link target.
  void charge_member(std::string_view name, std::string_view link_target, const std::string& what);
  std::uint64_t used() const { return used_; }
  std::uint64_t limit() const { return limit_; }

 private:
  std::uint64_t limit_;
  std::uint64_t used_ = 0;
};

// "1 GiB", "300 MiB" or "12345 bytes": a limit as the user would write it.
std::string size_text(std::uint64_t bytes);

struct ExtractOptions {
  // Leading path components to drop ("linux-source-6.1/Makefile" -> "Makefile").
  int strip_components = 0;
  // Called now and then with (compressed bytes consumed, total archive bytes).
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
  // Charged for every member; null for trusted archives (the kernel's sources).
  UnpackBudget* budget = nullptr;
};

// Extracts every entry of `archive` under `dest` (which must exist). Device
// nodes, FIFOs and sockets are skipped: nothing that reads an unpacked tree
// needs them, and they must not appear on the host. Throws Error naming the
// archive, the entry and libarchive's reason on a missing, corrupt or
// truncated archive, and when the budget runs out; what was written so far is
// left for the caller to discard (extract into a TempDir).
// Returns the number of entries written.
std::uint64_t extract_archive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                              const ExtractOptions& options = {});

// True when a '/'-separated archive member name has a '..' component, which
// could make it land outside the directory it is unpacked into.
bool has_dotdot_component(std::string_view name);

}  // namespace tailor::image
