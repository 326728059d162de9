// Compiled label matchers (tidemark/matcher.h); implemented in matcher_eval.cc.
#ifndef TIDEMARK_STORAGE_MATCHER_EVAL_H_
#define TIDEMARK_STORAGE_MATCHER_EVAL_H_

#include "tidemark/matcher.h"

namespace tidemark::storage {

// The public compiled matcher (tidemark/matcher.h), under the name storage has always used.
using tidemark::CompiledMatcher;
using tidemark::CompileMatchers;

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_MATCHER_EVAL_H_
