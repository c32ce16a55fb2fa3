// Accessors for the bytes image-builder/CMakeLists.txt embeds with .incbin.
#include "image-builder/embedded.h"

#include <cstddef>

#define TAILOR_EMBEDDED(name)                                                                   \
  extern "C" const char tailor_embed_##name##_begin[];                                          \
  extern "C" const char tailor_embed_##name##_end[];                                            \
  static std::string_view bytes_##name() {                                                      \
    return {tailor_embed_##name##_begin,                                                        \
            static_cast<std::size_t>(tailor_embed_##name##_end - tailor_embed_##name##_begin)}; \
  }

TAILOR_EMBEDDED(init)
TAILOR_EMBEDDED(small_config)
TAILOR_EMBEDDED(apps_config)

namespace tailor::image {

std::string_view embedded_init_binary() { return bytes_init(); }
std::string_view embedded_small_config() { return bytes_small_config(); }
std::string_view embedded_apps_config() { return bytes_apps_config(); }

}  // namespace tailor::image
