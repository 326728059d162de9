#include "server/api_response.h"

#include "server/prom_json.h"

namespace tidemark::server {

std::string_view ErrorTypeName(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return "bad_data";
    case ErrorType::kExecution:
      return "execution";
    case ErrorType::kCanceled:
      return "canceled";
    case ErrorType::kTimeout:
      return "timeout";
    case ErrorType::kInternal:
      return "internal";
    case ErrorType::kNotFound:
      return "not_found";
    case ErrorType::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

int ErrorHttpStatus(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return 400;
    case ErrorType::kExecution:
      return 422;
    case ErrorType::kCanceled:
      return 499;  // Prometheus: the client closed the connection
    case ErrorType::kTimeout:
      return 503;
    case ErrorType::kInternal:
      return 500;
    case ErrorType::kNotFound:
      return 404;
    case ErrorType::kUnavailable:
      return 503;
  }
  return 500;
}

int ReadErrorHttpStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 422;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse ApiError(ErrorType type, const std::string& message) {
  std::string body = "{\"status\":\"error\",\"errorType\":";
  AppendJsonString(&body, ErrorTypeName(type));
  body += ",\"error\":";
  AppendJsonString(&body, message);
  body += "}";
  return Json(ErrorHttpStatus(type), std::move(body));
}

HttpResponse BadParam(const std::string& name, const std::string& message) {
  return ApiError(ErrorType::kBadData, "invalid parameter \"" + name + "\": " + message);
}

ErrorType QueryErrorType(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
      return ErrorType::kExecution;
    case StatusCode::kDeadlineExceeded:
      return ErrorType::kTimeout;
    case StatusCode::kCancelled:
      return ErrorType::kCanceled;
    case StatusCode::kUnavailable:
      return ErrorType::kUnavailable;
    case StatusCode::kNotFound:
      return ErrorType::kNotFound;
    default:
      return ErrorType::kInternal;
  }
}

// Errors of storage calls (label names, series, deletes).
HttpResponse StorageError(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return ApiError(ErrorType::kBadData, s.message());
  return ApiError(QueryErrorType(s), s.message());
}

HttpResponse Success(const std::string& data, const std::vector<std::string>& warnings,
                     const std::vector<std::string>& infos) {
  return SuccessOf(
      false, [&data](std::string* out, const std::function<bool(std::string*)>&) { *out += data; },
      warnings, infos);
}

namespace {

// A streamed answer is sent in pieces of about this size.
constexpr size_t kStreamPieceBytes = 64 * 1024;

void AppendNotes(std::string* out, const std::vector<std::string>& warnings,
                 const std::vector<std::string>& infos) {
  if (!warnings.empty()) {
    *out += ",\"warnings\":";
    AppendStringArray(out, warnings);
  }
  if (!infos.empty()) {
    *out += ",\"infos\":";
    AppendStringArray(out, infos);
  }
}

}  // namespace

HttpResponse SuccessOf(bool stream, DataEncoder encode, std::vector<std::string> warnings,
                       std::vector<std::string> infos) {
  if (!stream) {
    std::string body = "{\"status\":\"success\",\"data\":";
    encode(&body, [](std::string*) { return true; });
    AppendNotes(&body, warnings, infos);
    body += "}";
    return Json(200, std::move(body));
  }
  HttpResponse response;
  response.content_type = "application/json";
  response.stream = [encode = std::move(encode), warnings = std::move(warnings),
                     infos = std::move(infos)](BodyWriter& writer) {
    std::string piece = "{\"status\":\"success\",\"data\":";
    bool sending = true;
    encode(&piece, [&](std::string* out) {
      if (out->size() < kStreamPieceBytes) return true;
      sending = writer.Write(*out);
      out->clear();
      return sending;
    });
    if (!sending) return;
    AppendNotes(&piece, warnings, infos);
    piece += "}";
    writer.Write(piece);
  };
  return response;
}

}  // namespace tidemark::server
