// `make tinyconfig`, step for step: allnoconfig with
// kernel/configs/tiny-base.config as KCONFIG_ALLCONFIG (when the tree has
// one), then kernel/configs/tiny.config and arch/$SRCARCH/configs/tiny.config
// merged in as merge_config.sh does, then olddefconfig. One home for it: the
// `tailor kconfig tinyconfig` command and the size study both run this.
#pragma once

#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/kconfig/operations.h"

namespace tailor::kconfig {

// The result of the last step; its warnings are both steps' (allnoconfig's
// first), in the order conf prints them. Throws tailor::Error naming the
// tree when it has neither tiny.config fragment.
ModeResult tinyconfig(const Tree& tree);

}  // namespace tailor::kconfig
