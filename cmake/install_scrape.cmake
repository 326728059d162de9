# tidemark::scrape, the embedding API's Scraper (include/tidemark/scrape.h): the library
# tidemark_scrape and what it links of tidemark's server (the scrape manager, configuration
# readers, HTTP client, exposition parsers), installed as the component `scrape` of the CMake
# package with an export set of its own, so that an embedder who does not scrape needs none of
# their dependencies (yaml-cpp, libcurl, protobuf, gRPC, ...):
#   find_package(tidemark 0.1 REQUIRED COMPONENTS scrape)
#   target_link_libraries(app PRIVATE tidemark::scrape)
# Included after server/, whose targets it installs; tidemark::tidemark comes from install.cmake.
set(tidemark_scrape_libraries tidemark_scrape tidemark_server tidemark_ingest tidemark_proto
    tidemark_rules tidemark_template)
foreach(lib IN LISTS tidemark_scrape_libraries)
  string(REGEX REPLACE "^tidemark_" "" name ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${name})
endforeach()
add_library(tidemark::scrape ALIAS tidemark_scrape)

if(NOT TIDEMARK_INSTALL)
  return()
endif()

install(TARGETS ${tidemark_scrape_libraries}
  EXPORT tidemarkScrapeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT tidemark_development)
install(EXPORT tidemarkScrapeTargets
  NAMESPACE tidemark::
  DESTINATION ${tidemark_cmake_dir} COMPONENT tidemark_development)
