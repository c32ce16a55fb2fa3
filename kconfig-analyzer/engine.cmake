# The Kconfig engine (issue 3): parser, evaluator, .config I/O, conf's modes,
# explain. Public header: kconfig-analyzer/kconfig.h (+ explain.h).
add_library(tailor_kconfig STATIC
  ${CMAKE_CURRENT_LIST_DIR}/config_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/environment.cpp
  ${CMAKE_CURRENT_LIST_DIR}/evaluator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/explain.cpp
  ${CMAKE_CURRENT_LIST_DIR}/expr_rewrite.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_identity.cpp
  ${CMAKE_CURRENT_LIST_DIR}/finalize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kconfig.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lexer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/operations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/preprocessor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/shell.cpp
  ${CMAKE_CURRENT_LIST_DIR}/source_files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tinyconfig.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tree_cache.cpp)
target_include_directories(tailor_kconfig PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(tailor_kconfig PUBLIC tailor_common nlohmann_json::nlohmann_json)

tailor_unit_test(kconfig_engine_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/config_io_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/environment_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/evaluator_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/explain_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/golden_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lexer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_codec_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/operations_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parser_limits_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parser_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/preprocessor_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/shell_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tinyconfig_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tree_cache_test.cpp
  LIBS tailor_kconfig)

# bench/kconfig_bench.py runs this to measure the cost of one more variant.
add_executable(kconfig_variants_bench ${CMAKE_SOURCE_DIR}/bench/kconfig_variants_bench.cpp)
target_link_libraries(kconfig_variants_bench PRIVATE tailor_kconfig)
