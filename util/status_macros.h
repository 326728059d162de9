// Early-return helpers for Status and Result, internal to tidemark.
#ifndef TIDEMARK_UTIL_STATUS_MACROS_H_
#define TIDEMARK_UTIL_STATUS_MACROS_H_

#include "tidemark/status.h"

#define TM_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::tidemark::Status tm_status_ = (expr);  \
    if (!tm_status_.ok()) return tm_status_; \
  } while (0)

#define TM_CONCAT_INNER(a, b) a##b
#define TM_CONCAT(a, b) TM_CONCAT_INNER(a, b)
#define TM_ASSIGN_OR_RETURN(lhs, expr) \
  TM_ASSIGN_OR_RETURN_IMPL(TM_CONCAT(tm_result_, __LINE__), lhs, expr)
#define TM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#endif  // TIDEMARK_UTIL_STATUS_MACROS_H_
