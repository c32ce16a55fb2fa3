// The shared-library closure of an executable the way the dynamic loader
// finds it (PT_INTERP, DT_NEEDED, DT_RPATH/DT_RUNPATH with $ORIGIN, the
// default directories: the rules of library_search.h), inside an image whose files may live anywhere on the
// host: a PathMap says where each image path's file is.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tailor::elf {

// Maps a path inside the image ("/usr/lib/x86_64-linux-gnu/libc.so.6") to the
// host file that will be there, or nullopt when the image has no such file.
using PathMap = std::function<std::optional<std::filesystem::path>(const std::string& image_path)>;

// The identity map: the image is the host's own file system.
PathMap host_path_map();
// Files under `root` first (a staged payload), then the host.
PathMap rooted_path_map(const std::filesystem::path& root);

struct LoadedObject {
  std::string image_path;           // where the loader finds it in the image
  std::filesystem::path host_path;  // the file we read
  std::string needed_as;            // the DT_NEEDED name ("" for the program and its interpreter)
  std::string needed_by;            // image path of the first object that needs it
  bool interpreter = false;         // the program's PT_INTERP
};

// The program first, then its libraries in the loader's breadth-first order,
// then the interpreter. Throws Error naming the library and who needs it when
// one cannot be found.
std::vector<LoadedObject> library_closure(const std::string& program_image_path, const PathMap& map);

}  // namespace tailor::elf
