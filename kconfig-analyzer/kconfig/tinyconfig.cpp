// make tinyconfig (see tinyconfig.h).
#include "kconfig-analyzer/kconfig/tinyconfig.h"

#include "common/error.h"
#include "common/fs.h"

namespace tailor::kconfig {

ModeResult tinyconfig(const Tree& tree) {
  namespace stdfs = std::filesystem;
  const stdfs::path& src = tree.env().srctree;
  std::error_code ec;
  std::vector<ConfigText> fragments;
  for (stdfs::path f : {src / "kernel/configs/tiny.config", src / "arch" / tree.env().srcarch / "configs/tiny.config"})
    if (stdfs::exists(f, ec)) fragments.push_back({f.string(), read_file(f)});
  if (fragments.empty()) throw Error(src.string() + ": no tiny.config fragments in kernel/configs or arch/*/configs");

  std::optional<ConfigText> base;
  if (stdfs::exists(src / "kernel/configs/tiny-base.config", ec))
    base = ConfigText{"kernel/configs/tiny-base.config", read_file(src / "kernel/configs/tiny-base.config")};
  ModeResult no = run_mode(tree.model_ptr(), Mode::AllNoConfig, base);
  ModeResult r =
      run_mode(tree.model_ptr(), Mode::OldDefConfig, ConfigText{".config", merge_config_fragments(no.output, fragments)});
  r.warnings.insert(r.warnings.begin(), no.warnings.begin(), no.warnings.end());
  return r;
}

}  // namespace tailor::kconfig
