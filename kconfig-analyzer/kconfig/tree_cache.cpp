// The parsed-tree cache (see tree_cache.h).
#include "kconfig-analyzer/kconfig/tree_cache.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "kconfig-analyzer/kconfig/byte_codec.h"
#include "kconfig-analyzer/kconfig/file_identity.h"
#include "kconfig-analyzer/kconfig/model_codec.h"
#include "kconfig-analyzer/kconfig/shell.h"

namespace tailor::kconfig {

namespace {

constexpr char kMagic[8] = {'T', 'L', 'K', 'C', 'T', 'R', 'E', 'E'};
// Bump when the payload's layout changes.
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kDigestSize = 64;  // SHA-256 in hex
constexpr size_t kHeaderSize = sizeof kMagic + 4 + 8 + kDigestSize;

// A cache file mapped read-only with its pages populated up front: loading
// reads it once from the page cache, without copying it into fresh memory
// page by page (on a VM, page faults are a large part of a warm run).
class MappedEntry {
 public:
  explicit MappedEntry(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    // A Linux tree's entry is under 20 MB; a file far larger is not ours.
    constexpr off_t kMaxEntry = off_t{1} << 30;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= kMaxEntry) {
      void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const char*>(p);
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedEntry() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedEntry(const MappedEntry&) = delete;
  MappedEntry& operator=(const MappedEntry&) = delete;

  bool ok() const { return data_ != nullptr; }
  std::string_view bytes() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// The GNU build id note of the main program, as hex; empty without one.
std::string main_program_build_id() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        // The first object is the main program.
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) nh;
            std::memcpy(&nh, p, sizeof nh);
            const char* name = p + sizeof nh;
            const char* desc = name + ((nh.n_namesz + 3) & ~3u);
            const char* next = desc + ((nh.n_descsz + 3) & ~3u);
            if (next > end) break;
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
              static constexpr char hex[] = "0123456789abcdef";
              auto* s = static_cast<std::string*>(out);
              for (uint32_t k = 0; k < nh.n_descsz; ++k) {
                unsigned char c = static_cast<unsigned char>(desc[k]);
                *s += hex[c >> 4];
                *s += hex[c & 15];
              }
              return 1;
            }
            p = next;
          }
        }
        return 1;
      },
      &id);
  return id;
}

std::string compute_engine_identity() {
  std::string id = main_program_build_id();
  if (!id.empty()) return "build-id:" + id;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return "exe:" + exe.string() + ":" + file_identity(exe.string());
}

void write_strings(ByteWriter& w, const std::vector<std::string>& v) {
  w.count(v.size());
  for (const std::string& s : v) w.bytes(s);
}

std::vector<std::string> read_strings(ByteReader& r) {
  std::vector<std::string> v(r.count(4));
  for (std::string& s : v) s = r.string();
  return v;
}

// Each path once, in first-read order (the later identity is the one that
// would differ if the file changed between two reads).
std::vector<FilesSeen::File> unique_files(const std::vector<FilesSeen::File>& files) {
  std::vector<FilesSeen::File> out;
  std::set<std::string> seen;
  for (const FilesSeen::File& f : files)
    if (seen.insert(f.path).second) out.push_back(f);
  return out;
}

// Reads `count` (name, value) pairs; false as soon as `holds` is false for one.
template <typename Holds>
bool all_pairs(ByteReader& r, const Holds& holds) {
  for (size_t n = r.count(8); n > 0; --n) {
    std::string name = r.string();
    if (!holds(name, r.bytes())) return false;
  }
  return true;
}

// Decodes the recorded inputs and checks each against the present; false at
// the first difference.
bool inputs_unchanged(ByteReader& r, const std::map<std::string, std::string>& env) {
  if (!all_pairs(r, [](const std::string& path, std::string_view id) { return file_identity(path) == id; }))
    return false;
  for (size_t n = r.count(8); n > 0; --n) {
    std::string pattern = r.string();
    std::vector<std::string> matches = read_strings(r);
    // Globs are rare (Kconfiglib-style sources); relative ones are resolved
    // against the tree, whose path is part of the key.
    DiskFiles files(env.count("srctree") ? env.at("srctree") : std::string());
    if (files.glob(pattern) != matches) return false;
  }
  if (!all_pairs(r, [](const std::string& command, std::string_view key) { return shell_command_key(command) == key; }))
    return false;
  auto same_value = [&](const std::string& name, std::string_view value) {
    auto it = env.find(name);
    return it != env.end() && it->second == value;
  };
  if (!all_pairs(r, same_value)) return false;
  for (size_t n = r.count(4); n > 0; --n)
    if (env.count(r.string())) return false;
  return true;
}

}  // namespace

const std::string& engine_identity() {
  static const std::string id = compute_engine_identity();
  return id;
}

std::string encode_tree_entry(const std::string& key, const CachedTree& tree, const TreeInputs& inputs) {
  ByteWriter w;
  w.bytes(engine_identity());
  w.bytes(key);
  w.count(tree.computed_vars.size());
  for (const auto& [k, v] : tree.computed_vars) {
    w.bytes(k);
    w.bytes(v);
  }

  std::vector<FilesSeen::File> files = unique_files(inputs.files.files);
  w.count(files.size());
  for (const FilesSeen::File& f : files) {
    w.bytes(f.path);
    w.bytes(f.identity);
  }
  w.count(inputs.files.globs.size());
  for (const FilesSeen::Glob& g : inputs.files.globs) {
    w.bytes(g.pattern);
    write_strings(w, g.matches);
  }
  std::set<std::string> commands(inputs.shell_commands.begin(), inputs.shell_commands.end());
  w.count(commands.size());
  for (const std::string& c : commands) {
    w.bytes(c);
    w.bytes(shell_command_key(c));
  }
  w.count(inputs.env_used.size());
  for (const auto& [k, v] : inputs.env_used) {
    w.bytes(k);
    w.bytes(v);
  }
  write_strings(w, inputs.env_unset);

  write_strings(w, tree.warnings);
  write_strings(w, tree.infos);
  encode_model(w, *tree.model);
  std::string payload = w.take();

  ByteWriter header;
  std::string out(kMagic, sizeof kMagic);
  header.u32(kFormatVersion);
  header.u64(payload.size());
  out += header.data();
  out += sha256_hex(payload);
  out += payload;
  return out;
}

std::optional<CachedTree> decode_tree_entry(std::string_view data, const std::string& key,
                                            const std::map<std::string, std::string>& env) {
  if (data.size() < kHeaderSize || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
  try {
    ByteReader h(data.substr(sizeof kMagic, 12));
    if (h.u32() != kFormatVersion) return std::nullopt;
    uint64_t size = h.u64();
    std::string_view payload = data.substr(kHeaderSize);
    if (size != payload.size()) return std::nullopt;
    if (sha256_hex(payload) != data.substr(sizeof kMagic + 12, kDigestSize)) return std::nullopt;

    ByteReader r(payload);
    if (r.bytes() != engine_identity() || r.bytes() != key) return std::nullopt;
    CachedTree tree;
    for (size_t n = r.count(8); n > 0; --n) {
      std::string k = r.string();
      tree.computed_vars[k] = r.string();
    }
    // The variables as the parse saw them: the environment plus the computed ones.
    std::map<std::string, std::string> parse_env = env;
    for (const auto& [k, v] : tree.computed_vars) parse_env[k] = v;
    if (!inputs_unchanged(r, parse_env)) return std::nullopt;

    tree.warnings = read_strings(r);
    tree.infos = read_strings(r);
    tree.model = std::make_shared<const Model>(decode_model(r));
    return tree;
  } catch (const std::exception&) {  // CorruptData, or a damaged count that still fit
    return std::nullopt;
  }
}

TreeCache::TreeCache(std::filesystem::path dir, const KbuildEnv& env) : env_vars_(env.vars) {
  Sha256 h;
  h.field("tailor-kconfig-tree").field(std::to_string(kFormatVersion));
  h.field(env.srctree.string()).field(env.kconfig).field(env.dialect == Dialect::Classic ? "classic" : "modern");
  h.field(environment_identity(env.vars));
  key_ = h.hex();
  file_ = dir / (key_ + ".tree");
}

std::optional<CachedTree> TreeCache::load() const {
  // A file truncated while mapped would fault on access; entries are only
  // ever replaced by rename, so the mapped file itself never shrinks.
  MappedEntry entry(file_.string());
  if (!entry.ok()) return std::nullopt;
  return decode_tree_entry(entry.bytes(), key_, env_vars_);
}

void TreeCache::store(const CachedTree& tree, const TreeInputs& inputs) const {
  std::filesystem::create_directories(file_.parent_path());
  write_file_atomic(file_, encode_tree_entry(key_, tree, inputs));
}

}  // namespace tailor::kconfig
