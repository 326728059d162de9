// The version of tidemark, for embedders and for `tidemark --version`. This file is the one place
// it is defined: the top-level CMakeLists.txt reads these three numbers for project(VERSION).
#ifndef TIDEMARK_VERSION_H_
#define TIDEMARK_VERSION_H_

#define TIDEMARK_VERSION_MAJOR 0
#define TIDEMARK_VERSION_MINOR 1
#define TIDEMARK_VERSION_PATCH 0

#define TIDEMARK_VERSION_STRINGIFY_(x) #x
#define TIDEMARK_VERSION_STRINGIFY(x) TIDEMARK_VERSION_STRINGIFY_(x)
// "MAJOR.MINOR.PATCH", e.g. "0.1.0".
// clang-format off
#define TIDEMARK_VERSION_STRING                        \
  TIDEMARK_VERSION_STRINGIFY(TIDEMARK_VERSION_MAJOR) "." \
  TIDEMARK_VERSION_STRINGIFY(TIDEMARK_VERSION_MINOR) "." \
  TIDEMARK_VERSION_STRINGIFY(TIDEMARK_VERSION_PATCH)
// clang-format on

#endif  // TIDEMARK_VERSION_H_
