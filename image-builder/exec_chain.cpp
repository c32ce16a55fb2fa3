// Following argv[0] through #! scripts (see exec_chain.h).
#include "image-builder/exec_chain.h"

#include <cstdio>

#include "common/error.h"
#include "common/elf/elf_file.h"

namespace tailor::image {
namespace {

std::string printable_head(const std::string& head) {
  std::string s;
  for (char c : head.substr(0, 16)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') {
      s += c;
    } else {
      static const char* hex = "0123456789abcdef";
      s += "\\x";
      s += hex[u >> 4];
      s += hex[u & 15];
    }
  }
  return s;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error((where.empty() ? "" : where + ": ") + what);
}

}  // namespace

ExecChain follow_exec_chain(const PayloadTree& payload, const std::string& argv0, const std::string& where,
                            const ProvideInterpreter& provide) {
  ExecChain chain;
  std::string path = argv0;
  std::string via;  // the script whose #! named `path`
  for (int depth = 0; depth < 5; ++depth) {
    chain.paths.push_back(path);
    std::string real;
    const PayloadNode* node = payload.lookup(path, &real);
    if (!node && !via.empty() && provide) {
      provide(path, via);
      node = payload.lookup(path, &real);
    }
    if (!node) {
      if (payload.find(path)) fail(where, "argv[0] " + path + " is a symbolic link that leads nowhere in the image");
      fail(where, (via.empty() ? "argv[0] " + path : "the #! interpreter " + path + " of " + via) +
                      " is not in the image: no [[payload]] provides it (add it with host = [...], deb = [...] or "
                      "files = {...})");
    }
    if (node->type != NodeType::File)
      fail(where, "argv[0] " + path + " is a " + node_type_name(node->type) + " in the image, not a program");
    if ((node->mode & 0111) == 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", node->mode & 07777);
      fail(where, (via.empty() ? "argv[0] " : "the #! interpreter ") + path + " is not executable (mode " + mode +
                      ", from " + node->source + ")");
    }
    const std::string head = elf::read_head(node->content.file, 256);
    if (elf::has_elf_magic(head)) {
      elf::ElfIdentity info = elf::identify(head, path);
      if (!info.is_x86_64())
        fail(where, "argv[0] " + path + " is an " + info.describe() + " program; the guest runs x86-64 programs");
      chain.program = real;
      return chain;
    }
    if (head.rfind("#!", 0) == 0) {
      std::string line = head.substr(2, head.find('\n') == std::string::npos ? std::string::npos : head.find('\n') - 2);
      size_t b = line.find_first_not_of(" \t");
      if (b == std::string::npos) fail(where, path + ": empty #! line");
      size_t e = line.find_first_of(" \t\r", b);
      std::string interp = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (interp.front() != '/') fail(where, path + ": #! interpreter '" + interp + "' is not an absolute path");
      via = path;
      path = normalize_image_path(interp);
      continue;
    }
    fail(where, "argv[0] " + path + " is neither an ELF executable nor a #! script (it starts with \"" +
                    printable_head(head) + "\")");
  }
  fail(where, "argv[0] " + argv0 + ": too many nested #! interpreters");
}

}  // namespace tailor::image
