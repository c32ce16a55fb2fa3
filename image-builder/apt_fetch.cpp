// apt-get and apt-cache as clients of the host's package lists; every file
// they hand us is checked and cached by name and digest.
#include "image-builder/apt_fetch.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "common/subprocess.h"

namespace tailor::image {
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

// apt-get install's failure in one sentence that names the culprit, then apt's
// own explanation: an unknown name or version, an unmet dependency, a conflict.
std::string describe_apt_failure(const std::string& output, const std::vector<std::string>& specs) {
  static const std::regex unknown(R"(E: Unable to locate package (\S+))");
  static const std::regex no_version(R"(E: Version '([^']+)' for '([^']+)' was not found)");
  static const std::regex unmet(R"(^\s*(\S+) : (Depends|PreDepends|Pre-Depends|Conflicts|Breaks): (.*)$)");
  std::smatch m;
  std::string lead;
  if (std::regex_search(output, m, unknown)) {
    lead = "unknown Debian package '" + m[1].str() + "'; check the name with `apt-cache policy " + m[1].str() +
           "`, or run `apt-get update` if the package lists are old";
  } else if (std::regex_search(output, m, no_version)) {
    lead = "Debian package '" + m[2].str() + "' has no version '" + m[1].str() + "' in the archives (see `apt-cache policy " +
           m[2].str() + "`)";
  } else {
    std::istringstream in(output);
    std::string line;
    std::vector<std::string> problems;
    while (std::getline(in, line))
      if (std::regex_match(line, m, unmet)) problems.push_back(m[1].str() + " " + m[2].str() + ": " + m[3].str());
    if (!problems.empty()) {
      const bool conflict = problems.front().find(" Conflicts: ") != std::string::npos ||
                            problems.front().find(" Breaks: ") != std::string::npos;
      lead = std::string(conflict ? "conflicting packages" : "unsatisfiable dependency") + " in deb = [" +
             fmt::format("{}", fmt::join(specs, ", ")) + "]: " + fmt::format("{}", fmt::join(problems, "; ")) +
             (conflict ? "; drop one of them" : "; pick another version or package");
    } else {
      lead = "apt-get cannot resolve deb = [" + fmt::format("{}", fmt::join(specs, ", ")) + "]";
    }
  }
  return lead + "\n(apt-get said:\n" + output + ")";
}

}  // namespace

std::vector<ResolvedPackage> resolve_install_set(const InstallRequest& request, const stdfs::path& cache) {
  require_apt();
  require_specs(request.specs);
  std::vector<ResolvedPackage> out;
  if (request.specs.empty() && request.deb_files.empty()) return out;
  // An empty status file of our own: apt then plans a whole installation.
  const stdfs::path dir = cache / "apt";
  stdfs::create_directories(dir);
  const stdfs::path status = dir / "empty-status";
  if (!stdfs::exists(status)) write_file_atomic(status, "");
  std::vector<std::string> argv = apt_command("apt-get", cache);
  argv.insert(argv.end(), {"-o", "Dir::State::status=" + status.string(), "-o",
                           "Dir::State::extended_states=" + (dir / "extended_states").string(), "-o",
                           "Debug::NoLocking=1", "-o",
                           std::string("APT::Install-Recommends=") + (request.recommends ? "true" : "false"), "-o",
                           "APT::Install-Suggests=false", "--simulate", "-q", "install", "--"});
  argv.insert(argv.end(), request.specs.begin(), request.specs.end());
  for (const auto& f : request.deb_files) {
    if (!f.is_absolute()) throw Error("internal: .deb path " + f.string() + " is not absolute");
    argv.push_back(f.string());
  }
  ProcessOptions o;
  o.capture = true;
  o.env = {{"LC_ALL", "C"}};
  ProcessResult r = run_process(argv, o);
  if (!r.ok()) {
    std::vector<std::string> asked = request.specs;
    for (const auto& f : request.deb_files) asked.push_back(f.filename().string());
    throw Error(describe_apt_failure(r.output, asked));
  }

  // "Inst NAME (VERSION ARCHIVE[, ARCHIVE] [ARCH])" and, for a file, "..., local-deb [ARCH])".
  static const std::regex inst_line(R"(^Inst (\S+) \((\S+) (.*)\[([a-z0-9-]+)\]\).*$)");
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, inst_line)) continue;
    ResolvedPackage p;
    p.package = m[1];
    p.version = m[2];
    p.architecture = m[4];
    p.local = m[3].str().find("local-deb") != std::string::npos;
    if (!is_debian_package_name(p.package) || !is_debian_version(p.version))
      throw Error("apt-get planned an unexpected package: " + line.substr(0, 200));
    out.push_back(p);
  }
  if (out.empty()) throw Error("apt-get planned no installation for " + fmt::format("{}", fmt::join(request.specs, " ")) + ":\n" + r.output);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.package < b.package; });
  return out;
}

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

}  // namespace tailor::image
