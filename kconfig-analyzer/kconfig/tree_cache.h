// The parsed-tree cache: a finalized Model stored on disk, so that reading
// the same kernel tree again in the same environment takes a file load
// instead of a parse.
//
// One file per tree and environment: <dir>/<key>.tree, where the key hashes
// the source tree's path, the top Kconfig file, the dialect and the
// environment's identity (environment_identity(): every variable but session
// ones, and the toolchain programs' identities, as the $(shell,...) memo
// does). Inside, the entry records everything else the parse depended on and
// is used only while all of it is unchanged:
//   - the engine that wrote it (the executable's GNU build id);
//   - every file the parse read or looked for (path, size, mtime, inode, or
//     that it was missing) and every glob's matches;
//   - every $(shell,...) command, with the memo's key for it (the command
//     plus the identity of each script it names);
//   - every environment variable the Kconfig files referred to, set or not.
// A changed input means a fresh parse, which rewrites the entry.
//
// Format: an 8-byte magic, a format version, the payload's length and its
// SHA-256, then the payload (byte_codec.h; the model: model_codec.h). A
// file that is truncated, damaged, foreign or from another version fails
// one of these checks or the decoder's bounds checks and is ignored. Entries
// are written to a temporary file and renamed into place.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kconfig-analyzer/kconfig/environment.h"
#include "kconfig-analyzer/kconfig/model.h"
#include "kconfig-analyzer/kconfig/source_files.h"

namespace tailor::kconfig {

// What a parse depended on besides its environment's identity.
struct TreeInputs {
  FilesSeen files;
  std::vector<std::string> shell_commands;                    // each $(shell,...) command run
  std::vector<std::pair<std::string, std::string>> env_used;  // variables read, with their values
  std::vector<std::string> env_unset;                         // variables referred to but not set
};

// A parsed tree as the cache keeps it.
struct CachedTree {
  std::map<std::string, std::string> computed_vars;  // CC_VERSION_TEXT, ...: what add_computed_variables set
  std::vector<std::string> warnings;                 // the parse's warnings
  std::vector<std::string> infos;                    // $(info,...) messages, in order
  std::shared_ptr<const Model> model;
};

class TreeCache {
 public:
  // `env`: the environment before add_computed_variables().
  TreeCache(std::filesystem::path dir, const KbuildEnv& env);

  // The entry for this tree, or nullopt when there is none, it is stale, or
  // it is damaged.
  std::optional<CachedTree> load() const;
  // Writes the entry (temporary file, then rename). Throws tailor::Error
  // when the cache directory cannot be written.
  void store(const CachedTree& tree, const TreeInputs& inputs) const;

  const std::filesystem::path& file() const { return file_; }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  std::filesystem::path file_;
  std::map<std::string, std::string> env_vars_;
};

// The file format without the file, for tests: encode, then decode and
// check the inputs against the current state of the file system and `env`
// (nullopt when anything differs or the data is damaged).
std::string encode_tree_entry(const std::string& key, const CachedTree& tree, const TreeInputs& inputs);
std::optional<CachedTree> decode_tree_entry(std::string_view data, const std::string& key,
                                            const std::map<std::string, std::string>& env);

// The identity of the running engine (the executable's GNU build id, or its
// file identity when it has none); an entry from another build is stale.
const std::string& engine_identity();

}  // namespace tailor::kconfig
