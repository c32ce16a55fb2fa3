// The keep/leave-out walk over an install set's dependency graph.
#include "image-builder/deb_selection.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "common/error.h"

namespace tailor::image {

const std::vector<std::string>& installation_only_packages() {
  // Each is called by maintainer scripts or serves the package manager; none
  // is something a running app execs or links. Their own dependencies (perl
  // for usrmerge, passwd's PAM stack for adduser) go with them unless a kept
  // package needs them too.
  static const std::vector<std::string> names = {
      "adduser",              // postinst: adduser --system
      "debconf",              // postinst: questions at installation
      "dpkg",                 // the package manager itself
      "init-system-helpers",  // deb-systemd-helper, update-rc.d, invoke-rc.d
      "lsb-base",             // init scripts' function library
      "passwd",               // useradd/groupadd for adduser
      "sysvinit-utils",       // init scripts' helpers
      "ucf",                  // configuration file merging at upgrade
      "usr-is-merged",        // a marker of the /usr merge
      "usrmerge",             // converts a system to merged /usr
  };
  return names;
}

std::string chain_text(const std::vector<std::string>& chain) {
  std::string out;
  for (const auto& name : chain) out += (out.empty() ? "" : " <- ") + name;
  return out;
}

std::vector<SelectedPackage> select_packages(const std::vector<DebControl>& resolved, const SelectionRequest& request) {
  std::map<std::string, const DebControl*> by_name;
  std::map<std::string, std::set<std::string>> providers;  // name or virtual name -> packages
  for (const auto& c : resolved) {
    by_name[c.package] = &c;
    providers[c.package].insert(c.package);
    for (const auto& v : c.provides) providers[v].insert(c.package);
  }
  // A named virtual package ("awk") stands for what apt chose to provide it.
  std::set<std::string> named;
  for (const auto& name : request.named) {
    if (by_name.count(name)) named.insert(name);
    else if (auto it = providers.find(name); it != providers.end()) named.insert(it->second.begin(), it->second.end());
  }
  const std::set<std::string> include(request.include.begin(), request.include.end());
  const std::set<std::string> exclude(request.exclude.begin(), request.exclude.end());
  for (const auto& [list, key] : {std::pair{&request.include, "deb_include"}, std::pair{&request.exclude, "deb_exclude"}})
    for (const auto& name : *list)
      if (!by_name.count(name))
        throw Error(std::string(key) + " names '" + name + "', which is not in the packages apt resolved for this payload");
  for (const auto& name : request.exclude)
    if (named.count(name)) throw Error("deb_exclude names '" + name + "', which the same payload's deb list asks for");
  const auto& install_only = installation_only_packages();
  auto left_out_by_rule = [&](const std::string& name) -> std::string {
    if (exclude.count(name)) return "deb_exclude";
    if (std::binary_search(install_only.begin(), install_only.end(), name) && !include.count(name))
      return "installation only (deb_include keeps it)";
    return {};
  };

  // Breadth-first from the named packages, in name order.
  std::map<std::string, std::string> parent;  // kept package -> the one that brought it ("" for named)
  std::deque<std::string> queue;
  for (const auto& name : named)
    if (parent.emplace(name, "").second) queue.push_back(name);
  while (!queue.empty()) {
    const std::string current = queue.front();
    queue.pop_front();
    for (const auto& group : by_name[current]->depends) {
      std::set<std::string> candidates;
      for (const auto& alternative : group)
        if (auto it = providers.find(alternative); it != providers.end())
          candidates.insert(it->second.begin(), it->second.end());
      for (const auto& c : candidates) {
        if (!left_out_by_rule(c).empty() && !named.count(c)) continue;
        if (parent.emplace(c, current).second) queue.push_back(c);
      }
    }
  }

  std::vector<SelectedPackage> out;
  for (const auto& [name, control] : by_name) {
    SelectedPackage s;
    s.package = name;
    s.named = named.count(name) > 0;
    s.kept = parent.count(name) > 0;
    if (s.kept) {
      for (std::string at = name; !at.empty(); at = parent[at]) s.chain.push_back(at);
    } else if (std::string rule = left_out_by_rule(name); !rule.empty()) {
      s.why_left_out = rule;
    } else {
      // Needed only by packages that were left out: name those.
      std::set<std::string> users;
      for (const auto& other : resolved)
        for (const auto& group : other.depends)
          for (const auto& alternative : group)
            if (auto it = providers.find(alternative); it != providers.end() && it->second.count(name) &&
                                                       other.package != name && !parent.count(other.package))
              users.insert(other.package);
      std::string list;
      for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
      s.why_left_out = users.empty() ? "nothing kept depends on it" : "needed only by left-out " + list;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace tailor::image
