// The app of a `kml = true` image as KML runs it: from /trusted (CPL 0), with
// the syscall sites of the program and of every library it loads rewritten
// into calls through the KML sled (syscall_sites/syscall_sites.h,
// kml-patches 0006).
//
// Rewritten files only work in trusted processes (elsewhere nothing is
// mapped where `call *%rax` lands), so they are copies under /trusted, and
// the files the rest of the image uses stay as they were:
//   - the program: /trusted/<the path it is run by>;
//   - each library and the dynamic loader with a rewritten site:
//     /trusted/<the path the loader finds it at>;
//   - a dynamic program is started through the rewritten loader:
//     /trusted/<loader> --library-path <the /trusted library dirs>
//     --argv0 <argv[0]> /trusted/<program> args..., so that the copies
//     are found first, and only by this process (not inherited by what it
//     executes, as LD_LIBRARY_PATH would be).
// A file with no rewritable site keeps its one copy; a static program is
// executed directly.
//
// A dynamic musl program gets the KML-aware musl (kml_musl.h) as its
// loader's copy instead of a rewritten Debian musl: its system calls then
// take the KML call entry, cheaper than the sled, with no site to prove.
// A static musl program carries its libc inside and is rewritten.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "image-builder/payload_tree.h"

namespace tailor::image {

// One file of the trusted program's closure and what the rewriter did to it.
struct TrustedFile {
  std::string path;              // image path of the original ("/usr/lib/x86_64-linux-gnu/libc.so.6")
  std::string trusted_path;      // where the copy is ("/trusted/usr/lib/..."); empty when none was needed
  std::string original_sha256;
  std::string rewritten_sha256;  // == original_sha256 when nothing was rewritten
  std::size_t sites = 0;         // `syscall` byte pairs in executable bytes
  std::size_t rewritten = 0;     // turned into `call *%rax`
  std::string left;              // the sites left alone, by reason ("red-zone 22, unknown-number 5"), or ""
  std::string replaced_by;       // what the copy is instead of a rewritten original ("" when rewritten)
};

struct TrustedProgram {
  std::string exec;                 // what /init executes
  std::vector<std::string> argv;    // and with which arguments
  std::vector<TrustedFile> files;   // the program first, then its libraries in load order, the loader last
  std::size_t rewritten() const;
  std::size_t left() const;
};

// Places the program `program` (an image path that resolves to an ELF file
// of the tree; its copy is /trusted + this path, symlinks not resolved, so
// that it keeps the name it is run by) and its closure's rewritten copies under /trusted in
// `tree`; rewritten bytes are stored content-addressed under
// <cache>/generated. `argv` is the manifest's. Throws Error when a library
// of the program is missing from the tree (the closure has been completed,
// so this means a broken payload) or a file is not x86-64 ELF.
// `kml_musl` gives the KML-aware musl's libc.so; it is asked only when the
// program's loader is musl's (empty: rewrite musl like any other loader).
using KmlMuslSource = std::function<std::filesystem::path()>;
TrustedProgram place_trusted_program(PayloadTree& tree, const std::string& program, const std::vector<std::string>& argv,
                                     const std::filesystem::path& cache, const KmlMuslSource& kml_musl = {});

}  // namespace tailor::image
