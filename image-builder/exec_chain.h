// The chain that runs an app: argv[0], then each #! interpreter its script
// names, ending at an ELF program. Followed once, here: the closure follows
// it to know which program's libraries the app needs up front (adding a
// missing interpreter as it goes), and the analyzer reads the chain of the
// finished payload.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "image-builder/payload_tree.h"

namespace tailor::image {

struct ExecChain {
  std::vector<std::string> paths;  // image paths: argv[0], each #! interpreter, the ELF program
  std::string program;             // the ELF program's real path in the image (symlinks followed)
};

// An interpreter named by the script `via` is not in the payload: the
// callback may add it (the closure takes it from its pool or the host).
using ProvideInterpreter = std::function<void(const std::string& path, const std::string& via)>;

// Follows the chain through `payload`, at most five links deep. Throws Error,
// prefixed with `where` ("m.toml:4:9: "; empty: none), when a link is missing
// or leads nowhere, is no regular file, is not executable, is neither ELF nor
// a #! script, names a relative interpreter, or the ELF program is not x86-64.
ExecChain follow_exec_chain(const PayloadTree& payload, const std::string& argv0, const std::string& where,
                            const ProvideInterpreter& provide = {});

}  // namespace tailor::image
