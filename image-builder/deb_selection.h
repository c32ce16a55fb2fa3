// Which packages of an apt install set go into an image. apt installs what a
// Debian system needs to *install* a package too (debconf, dpkg, adduser,
// init-system-helpers and what they pull in, such as perl-base); an image
// that never runs a maintainer script leaves those out. The rule is a graph
// walk, stated in the lock file: a package is kept when it is reachable from
// a package the manifest names through Depends/Pre-Depends without passing
// through an installation-only package or one the manifest excludes.
#pragma once

#include <string>
#include <vector>

#include "image-builder/deb_package.h"

namespace tailor::image {

// Packages that serve installation only: the tools maintainer scripts call.
// Sorted. A manifest's deb_include keeps one anyway.
const std::vector<std::string>& installation_only_packages();

struct SelectedPackage {
  std::string package;
  bool kept = false;
  bool named = false;              // the manifest names it
  // Kept: the dependency chain that brought it, itself first, a named package
  // last ({"libssl3", "nginx", "nginx-light"}). Left out: empty.
  std::vector<std::string> chain;
  std::string why_left_out;        // left out: the rule that did it
};

struct SelectionRequest {
  std::vector<std::string> named;    // packages the manifest names (roots of the walk)
  std::vector<std::string> include;  // kept even when installation-only (deb_include)
  std::vector<std::string> exclude;  // left out, with what only they bring (deb_exclude)
};

// One entry per package of `resolved`, sorted by name. Chains are shortest
// (breadth-first, alternatives in name order), so the result depends only on
// the set and the request. Throws Error for a deb_exclude naming a package the
// manifest also names, and for a deb_include/deb_exclude name that is not in
// the install set (a typo would otherwise do nothing).
std::vector<SelectedPackage> select_packages(const std::vector<DebControl>& resolved, const SelectionRequest& request);

// "libssl3 <- nginx <- nginx-light"
std::string chain_text(const std::vector<std::string>& chain);

}  // namespace tailor::image
