// Files built into the tailor binary, so that it needs nothing from the source
// tree at run time: the guest /init and the fixed kernel config fragments.
#pragma once

#include <string_view>

namespace tailor::image {

std::string_view embedded_init_binary();   // tailor's static /init (image-builder/init/tailor_init.c)
std::string_view embedded_small_config();  // image-builder/configs/small.config
std::string_view embedded_apps_config();   // image-builder/configs/apps.config

}  // namespace tailor::image
