# The analysis half of kconfig-analyzer: syscall extraction, tracing,
# syscall-to-config knowledge, minimizer and report (ELF reading is
# common/elf, a leaf the image builder uses too). One library per sub-folder;
# the engine's files sit at the top of kconfig-analyzer/.
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/syscalls)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/knowledge)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/minimizer)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/app)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/report)
add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/trace)
