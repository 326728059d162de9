// Responses of the JSON HTTP APIs in Prometheus' envelope, shared by every JSON API the server
// answers: {"status":"success","data":...[,"warnings":[...]]} and
// {"status":"error","errorType":"...","error":"..."} with the HTTP status Prometheus gives each
// error type. Mapping engine Status codes to HTTP statuses happens here and in receivers.cc only.
#ifndef TIDEMARK_SERVER_API_RESPONSE_H_
#define TIDEMARK_SERVER_API_RESPONSE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_server.h"
#include "server/prom_json.h"
#include "tidemark/status.h"

namespace tidemark::server {

// Prometheus' API error types and the HTTP status each is answered with.
enum class ErrorType {
  kBadData,
  kExecution,
  kCanceled,
  kTimeout,
  kInternal,
  kNotFound,
  kUnavailable
};
std::string_view ErrorTypeName(ErrorType t);
int ErrorHttpStatus(ErrorType t);

HttpResponse Json(int status, std::string body);
HttpResponse ApiError(ErrorType type, const std::string& message);
// bad_data: invalid parameter "name": message.
HttpResponse BadParam(const std::string& name, const std::string& message);
// The error type of a failed query evaluation, as Prometheus classifies engine errors.
ErrorType QueryErrorType(const Status& s);
// The HTTP status of a failed read for the APIs that answer in their own shapes (Jaeger, Tempo):
// InvalidArgument 400, NotFound 404, ResourceExhausted 422, Cancelled 499, Unavailable 503,
// DeadlineExceeded 504, others 500.
int ReadErrorHttpStatus(const Status& s);
// The error response of a failed storage read.
HttpResponse StorageError(const Status& s);
// {"status":"success","data":<data>[,"warnings":[...]][,"infos":[...]]}
HttpResponse Success(const std::string& data, const std::vector<std::string>& warnings = {},
                     const std::vector<std::string>& infos = {});

// Writes a success response's `data`: appends to `out`, and calls `flush` between items, which
// may send what `out` holds and clear it; when flush returns false the client is gone and the
// encoder should stop.
using DataEncoder =
    std::function<void(std::string* out, const std::function<bool(std::string*)>& flush)>;

// The same JSON as Success, with `data` written by `encode`: whole when `stream` is false, else
// produced while it is sent (chunked, in pieces of about 64 KiB; server/http_server.h), so a
// large answer is never whole in memory. `encode` must own what it reads (it runs after the
// endpoint returns).
HttpResponse SuccessOf(bool stream, DataEncoder encode, std::vector<std::string> warnings = {},
                       std::vector<std::string> infos = {});

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_API_RESPONSE_H_
