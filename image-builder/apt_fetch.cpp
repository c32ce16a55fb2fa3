// apt-get and apt-cache as clients of the host's package lists; every file
// they hand us is checked and cached by name and digest.
#include "image-builder/apt_fetch.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "common/subprocess.h"

namespace tailor {
namespace {

namespace stdfs = std::filesystem;

void require_apt() {
  if (!find_program("apt-get") || !find_program("apt-cache"))
    throw Error("deb = [...] needs apt-get and apt-cache (Debian's apt), which are not installed");
}

// "apt-get"/"apt-cache" with its binary cache in ours.
std::vector<std::string> apt_command(const std::string& program, const stdfs::path& cache) {
  const stdfs::path dir = cache / "apt";
  std::error_code ec;
  stdfs::create_directories(dir, ec);
  return {program, "-o", "Dir::Cache::pkgcache=" + (dir / "pkgcache.bin").string(), "-o",
          "Dir::Cache::srcpkgcache=" + (dir / "srcpkgcache.bin").string()};
}

// Every package name or spec handed to apt is checked against Debian's
// grammar first (nothing that passes starts with '-'), and follows "--", so
// that no name can be read as an option such as -oDir::Bin::dpkg=...
void require_specs(const std::vector<std::string>& specs) {
  for (const auto& spec : specs)
    if (std::string problem = package_spec_problem(spec); !problem.empty())
      throw Error("refusing to pass " + problem + " to apt");
}

// apt's first error line that names `spec`, or its first error line.
std::string apt_error_for(const std::string& output, const std::string& spec) {
  std::istringstream in(output);
  std::string line, first;
  while (std::getline(in, line)) {
    if (line.rfind("E: ", 0) != 0) continue;
    if (first.empty()) first = line;
    std::string name = spec.substr(0, spec.find('='));
    if (line.find("'" + name + "'") != std::string::npos || line.find(" " + name) != std::string::npos) return line;
  }
  return first;
}


// Runs apt-get download --print-uris for `specs`; the parsed lines and whether apt succeeded.
std::pair<std::vector<AptDeb>, ProcessResult> print_uris(const std::vector<std::string>& specs,
                                                         const stdfs::path& cache) {
  require_specs(specs);
  std::vector<std::string> argv = apt_command("apt-get", cache);
  argv.insert(argv.end(), {"download", "--print-uris", "-q", "--"});
  argv.insert(argv.end(), specs.begin(), specs.end());
  ProcessOptions o;
  o.capture = true;
  o.env = {{"LC_ALL", "C"}};
  ProcessResult r = run_process(argv, o);
  static const std::regex uri_line(R"(^'([^']+)' (\S+) (\d+) SHA256:([0-9a-f]{64})\s*$)");
  std::istringstream in(r.output);
  std::string line;
  std::vector<AptDeb> found;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, uri_line)) continue;
    AptDeb d;
    d.filename = m[2];
    d.size = std::stoull(m[3]);
    d.sha256 = m[4];
    if (d.filename.find('/') != std::string::npos || d.filename.size() < 5 ||
        d.filename.compare(d.filename.size() - 4, 4, ".deb") != 0)
      throw Error("apt-get named an unexpected file: " + d.filename);
    found.push_back(d);
  }
  return {found, r};
}

[[noreturn]] void unknown_package(const std::string& spec, const ProcessResult& r) {
  std::string why = apt_error_for(r.output, spec);
  throw Error("unknown Debian package '" + spec + "'" + (why.empty() ? "" : " (apt-get: " + why + ")") +
              "; check the name with `apt-cache policy " + spec.substr(0, spec.find('=')) +
              "`, or run `apt-get update` if the package lists are old");
}

}  // namespace

std::vector<AptDeb> resolve_debs(const std::vector<std::string>& specs, const stdfs::path& cache) {
  require_apt();
  std::vector<AptDeb> out;
  if (specs.empty()) return out;
  // One apt-get call for all; its lines are matched to the specs by file
  // name ("<package>_<version>_<arch>.deb"). Only when that fails, ask per
  // spec to find the one apt does not know.
  auto [found, r] = print_uris(specs, cache);
  if (r.ok()) {
    for (const auto& spec : specs) {
      const std::string name = spec.substr(0, spec.find('='));
      auto it = std::find_if(found.begin(), found.end(),
                             [&](const AptDeb& d) { return d.filename.rfind(name + "_", 0) == 0; });
      if (it == found.end()) break;
      AptDeb d = *it;
      d.spec = spec;
      out.push_back(d);
    }
    if (out.size() == specs.size()) return out;
    out.clear();
  }
  for (const auto& spec : specs) {
    auto [one, r1] = print_uris({spec}, cache);
    if (!r1.ok() || one.size() != 1) unknown_package(spec, r1);
    one[0].spec = spec;
    out.push_back(one[0]);
  }
  return out;
}

std::vector<AptDeb> fetch_debs(const std::vector<std::string>& specs, const stdfs::path& cache, Progress& progress) {
  std::vector<AptDeb> debs = resolve_debs(specs, cache);
  const stdfs::path dir = cache / "debs";
  stdfs::create_directories(dir);

  std::vector<AptDeb*> missing;
  for (auto& d : debs) {
    d.file = dir / d.filename;
    std::error_code ec;
    if (stdfs::is_regular_file(d.file, ec) && stdfs::file_size(d.file, ec) == d.size && sha256_file(d.file) == d.sha256)
      continue;
    missing.push_back(&d);
  }
  if (missing.empty()) return debs;

  progress.update("download", -1, std::to_string(missing.size()) + " package(s)");
  TempDir temp(dir / ("download-" + std::to_string(::getpid())));
  std::vector<std::string> argv = apt_command("apt-get", cache);
  argv.insert(argv.end(), {"download", "-q", "--"});
  for (auto* d : missing) {
    require_specs({d->spec});
    argv.push_back(d->spec);
  }
  ProcessOptions o;
  o.cwd = temp.path();
  o.capture = true;
  o.env = {{"LC_ALL", "C"}};
  ProcessResult r = run_process(argv, o);
  progress.clear();
  if (!r.ok())
    throw Error("apt-get download failed (" + r.describe() + "); is the network up? apt-get said:\n" + r.output);
  for (auto* d : missing) {
    stdfs::path got = temp.path() / d->filename;
    std::error_code ec;
    if (!stdfs::is_regular_file(got, ec))
      throw Error("apt-get download did not produce " + d->filename + " for '" + d->spec + "'");
    const std::string sha = sha256_file(got);
    if (sha != d->sha256)
      throw Error("downloaded " + d->filename + " has SHA-256 " + sha + ", but the archive says " + d->sha256 +
                  " (mirror out of sync? run apt-get update)");
    stdfs::rename(got, d->file);
    d->downloaded = true;
  }
  return debs;
}

ControlLookup apt_cache_lookup(const stdfs::path& cache) {
  return [cache](const std::vector<std::string>& names) {
    require_apt();
    std::vector<DebControl> out;
    if (names.empty()) return out;
    require_specs(names);
    std::vector<std::string> argv = apt_command("apt-cache", cache);
    argv.insert(argv.end(), {"show", "--no-all-versions", "-q", "--"});
    argv.insert(argv.end(), names.begin(), names.end());
    ProcessOptions o;
    o.capture = true;
    o.merge_stderr = false;
    o.env = {{"LC_ALL", "C"}};
    ProcessResult r = run_process(argv, o);  // unknown and virtual names only shorten the output
    std::istringstream in(r.output);
    std::string line, stanza;
    auto flush = [&] {
      if (stanza.find("Package:") != std::string::npos) out.push_back(parse_control(stanza));
      stanza.clear();
    };
    while (std::getline(in, line)) {
      if (line.empty()) flush();
      else stanza += line + "\n";
    }
    flush();
    return out;
  };
}

std::vector<std::string> library_dependencies(const std::vector<DebControl>& roots, const ControlLookup& lookup) {
  std::set<std::string> root_names;
  for (const auto& r : roots) root_names.insert(r.package);
  std::map<std::string, DebControl> known;  // every package looked up so far (real ones)
  std::set<std::string> looked_up, chosen;
  std::vector<std::vector<std::vector<std::string>>> frontier;  // dependency groups still to decide
  // Names come from packages' control files (a .deb the manifest names is
  // someone else's file): each must be a package name before apt sees it.
  auto check_names = [](const DebControl& c) {
    for (const auto& group : c.depends)
      for (const auto& name : group)
        if (!is_debian_package_name(name))
          throw Error("package " + c.package + ": its Depends/Pre-Depends names '" + name.substr(0, 80) +
                      "', which is not a Debian package name (a broken or hostile package; set deb_deps = false "
                      "to ignore its dependencies)");
  };
  for (const auto& r : roots) {
    check_names(r);
    frontier.push_back(r.depends);
  }

  auto is_library = [](const DebControl& c) {
    return c.section == "libs" || c.section == "oldlibs" || c.package.rfind("lib", 0) == 0;
  };

  while (!frontier.empty()) {
    // Look up every alternative not seen yet, in one apt-cache call.
    std::vector<std::string> ask;
    for (const auto& groups : frontier)
      for (const auto& group : groups)
        for (const auto& name : group)
          if (looked_up.insert(name).second) ask.push_back(name);
    for (auto& c : lookup(ask)) known[c.package] = c;

    std::vector<std::vector<std::vector<std::string>>> next;
    for (const auto& groups : frontier) {
      for (const auto& group : groups) {
        auto real = std::find_if(group.begin(), group.end(), [&](const std::string& n) { return known.count(n) > 0; });
        if (real == group.end()) continue;  // only virtual or unknown names: nothing to fetch
        const DebControl& c = known[*real];
        if (root_names.count(c.package) || !is_library(c)) continue;
        if (chosen.insert(c.package).second) {
          check_names(c);
          next.push_back(c.depends);
        }
      }
    }
    frontier = std::move(next);
  }
  return {chosen.begin(), chosen.end()};
}

}  // namespace tailor
