// `tailor kml sites FILE...`: what the KML syscall site rewriter would do to
// each file (image-builder/syscall_sites/syscall_sites.h), so that a user can see why a
// trusted program's system calls do or do not take the call path; `tailor kml
// rewrite IN OUT`: the rewritten file, as the image builder puts it in /trusted.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/fs.h"
#include "image-builder/syscall_sites/syscall_sites.h"

namespace tailor::cli {
namespace {

void add_sites(CLI::App& kml) {
  auto* cmd = kml.add_subcommand("sites", "Count the syscall sites of ELF files that KML would rewrite to call *%rax");
  cmd->footer(
      "Per file: every `syscall` (0f 05) in its executable bytes and what the rewriter decides:\n"
      "rewrite, or the first reason it is left alone (see image-builder/syscall_sites/README.md).\n"
      "Nothing is written.");
  auto files = std::make_shared<std::vector<std::string>>();
  auto list = std::make_shared<bool>(false);
  cmd->add_option("files", *files, "ELF files (programs, shared libraries)")->required();
  cmd->add_flag("--list", *list, "Also list every site: address, file offset, verdict, system call number");
  cmd->callback([files, list] {
    for (const auto& file : *files) {
      const syscall_sites::SiteReport report = syscall_sites::find_syscall_sites(read_file(file), file);
      fmt::print("{}: {} sites: {}\n", file, report.sites.size(), report.summary());
      if (!*list) continue;
      for (const auto& site : report.sites)
        fmt::print("  {:#x} (offset {:#x}) {}{}\n", site.address, site.file_offset, syscall_sites::verdict_name(site.verdict),
                   site.number >= 0 ? fmt::format(" ({})", site.number) : std::string());
    }
  });
}

void add_rewrite(CLI::App& kml) {
  auto* cmd = kml.add_subcommand("rewrite", "Write a copy of an ELF file with its safe syscall sites turned into call *%rax");
  cmd->footer(
      "The copy runs only as a trusted program (under /trusted/) on a kernel with kml-patches/series,\n"
      "which maps the sled that `call *%rax` lands in; elsewhere its rewritten sites fault.\n"
      "Prints the same counts as `tailor kml sites`. OUTPUT is written whole or not at all, with\n"
      "INPUT's permission bits.");
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  cmd->add_option("input", *input, "ELF file (program or shared library)")->required();
  cmd->add_option("output", *output, "Where to write the rewritten copy")->required();
  cmd->callback([input, output] {
    std::error_code ec;  // a missing output is not the input
    if (fs::equivalent(*input, *output, ec))
      throw Error("tailor kml rewrite: output " + *output + " is the input; write the copy elsewhere");
    const syscall_sites::RewriteResult result = syscall_sites::rewrite_syscall_sites(read_file(*input), *input);
    write_file_atomic(*output, result.bytes, fs::status(*input).permissions());
    fmt::print("{}: {} sites: {}\n", *output, result.report.sites.size(), result.report.summary());
  });
}

}  // namespace

void add_kml_command(CLI::App& app, const GlobalOptions&) {
  auto* kml = app.add_subcommand("kml", "Kernel Mode Linux: what the image builder does for trusted programs");
  kml->require_subcommand(1);
  add_sites(*kml);
  add_rewrite(*kml);
}

}  // namespace tailor::cli
