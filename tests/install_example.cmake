# The installed package, as an embedder uses it: installs the build tree into a fresh prefix, copies
# examples/ to a clean directory, configures it with CMAKE_PREFIX_PATH=<prefix> only
# (find_package(tidemark), tidemark::tidemark and tidemark::scrape), builds the examples alone and
# runs them (run_example.cmake and run_scrape_example.cmake check their output). Every step is
# bounded; nothing uses the network.
#   cmake -DBUILD_DIR= -DSOURCE_DIR= -DWORK= -DGENERATOR= -DCXX= -DBUILD_TYPE= -DLIBDIR= -DVERSION=
#         -P install_example.cmake
set(prefix ${WORK}/prefix)
set(src ${WORK}/src)
set(bin ${WORK}/build)
file(REMOVE_RECURSE ${WORK})

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 300)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# The package: public headers, libraries and CMake files; nothing of the internal folders.
foreach(file include/tidemark/engine.h include/tidemark/version.h
        include/tidemark/promql.h ${LIBDIR}/libtidemark_query.a
        ${LIBDIR}/libtidemark_storage.a ${LIBDIR}/libtidemark_util.a
        ${LIBDIR}/cmake/tidemark/tidemarkConfig.cmake
        ${LIBDIR}/cmake/tidemark/tidemarkConfigVersion.cmake
        ${LIBDIR}/cmake/tidemark/tidemarkTargets.cmake
        include/tidemark/scrape.h ${LIBDIR}/libtidemark_scrape.a ${LIBDIR}/libtidemark_server.a
        ${LIBDIR}/cmake/tidemark/tidemarkScrapeTargets.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the installed package lacks ${file}")
  endif()
endforeach()
file(GLOB installed_include_dirs LIST_DIRECTORIES true RELATIVE ${prefix}/include ${prefix}/include/*)
if(NOT installed_include_dirs STREQUAL "tidemark")
  message(FATAL_ERROR "installed include/ holds ${installed_include_dirs}, want tidemark only")
endif()
foreach(export tidemarkTargets tidemarkScrapeTargets)
  file(READ ${prefix}/${LIBDIR}/cmake/tidemark/${export}.cmake targets)
  foreach(tree ${SOURCE_DIR} ${BUILD_DIR})
    string(FIND "${targets}" "${tree}" pos)
    if(NOT pos EQUAL -1)
      message(FATAL_ERROR "the exported targets (${export}) name the tree ${tree}")
    endif()
  endforeach()
endforeach()

file(COPY ${SOURCE_DIR}/examples/ DESTINATION ${src})
step("configure examples" ${CMAKE_COMMAND} -S ${src} -B ${bin} -G "${GENERATOR}"
     -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix}
     -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
file(STRINGS ${bin}/CMakeCache.txt found REGEX "^tidemark_DIR:")
if(NOT found STREQUAL "tidemark_DIR:PATH=${prefix}/${LIBDIR}/cmake/tidemark")
  message(FATAL_ERROR "find_package(tidemark) did not find the installed package: ${found}")
endif()
step("build embed_metrics" ${CMAKE_COMMAND} --build ${bin} --target embed_metrics -j1)
step("build embed_scrape" ${CMAKE_COMMAND} --build ${bin} --target embed_scrape -j1)
# Only the installed include/ on the include path: no folder of the source tree leaked.
file(READ ${bin}/compile_commands.json commands)
string(REGEX MATCHALL "(-I|-isystem )[^ \"]+" include_flags "${commands}")
foreach(flag IN LISTS include_flags)
  string(REGEX REPLACE "^(-I|-isystem )" "" dir "${flag}")
  string(FIND "${dir}/" "${SOURCE_DIR}/" in_source)
  string(FIND "${dir}/" "${WORK}/" in_work)
  if(in_source EQUAL 0 AND NOT in_work EQUAL 0)
    message(FATAL_ERROR "the example was compiled with ${flag}, a folder of the source tree")
  endif()
endforeach()
string(FIND "${include_flags}" "${prefix}/include" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "the example was compiled without ${prefix}/include: ${include_flags}")
endif()

set(EXE ${bin}/embed_metrics)
set(DIR ${WORK}/data)
include(${CMAKE_CURRENT_LIST_DIR}/run_example.cmake)
set(EXE ${bin}/embed_scrape)
include(${CMAKE_CURRENT_LIST_DIR}/run_scrape_example.cmake)
file(REMOVE_RECURSE ${WORK})
