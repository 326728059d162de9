# tidemark::tidemark, the embedding API (include/tidemark/*.h, the standard library only) with the
# libraries behind it (query for promql.h and trace_search.h, storage, util), and its installation
# as a CMake package:
#   cmake --install build --prefix /opt/tidemark
#   find_package(tidemark) with CMAKE_PREFIX_PATH=/opt/tidemark, then link tidemark::tidemark.
# In this tree (or with add_subdirectory) the same name is an alias.
include(CMakePackageConfigHelpers)

add_library(tidemark_embedding INTERFACE)
target_link_libraries(tidemark_embedding INTERFACE tidemark_query tidemark_storage)
target_compile_features(tidemark_embedding INTERFACE cxx_std_20)
set_target_properties(tidemark_embedding PROPERTIES EXPORT_NAME tidemark)
set_target_properties(tidemark_query PROPERTIES EXPORT_NAME query)
set_target_properties(tidemark_storage PROPERTIES EXPORT_NAME storage)
set_target_properties(tidemark_util PROPERTIES EXPORT_NAME util)
add_library(tidemark::tidemark ALIAS tidemark_embedding)
# Sanitized static libraries need the sanitizer runtimes wherever they are linked.
if(TIDEMARK_SANITIZE)
  target_link_options(tidemark_util INTERFACE -fsanitize=address,undefined)
endif()

if(NOT TIDEMARK_INSTALL)
  return()
endif()

set(tidemark_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/tidemark)
install(TARGETS tidemark_embedding tidemark_query tidemark_storage tidemark_util
  EXPORT tidemarkTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT tidemark_development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tidemark
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT tidemark_development
  FILES_MATCHING PATTERN "*.h")
install(EXPORT tidemarkTargets
  NAMESPACE tidemark::
  DESTINATION ${tidemark_cmake_dir} COMPONENT tidemark_development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tidemarkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tidemarkConfig.cmake
  INSTALL_DESTINATION ${tidemark_cmake_dir})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tidemarkConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tidemarkConfig.cmake ${PROJECT_BINARY_DIR}/tidemarkConfigVersion.cmake
  DESTINATION ${tidemark_cmake_dir} COMPONENT tidemark_development)
