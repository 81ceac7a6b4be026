// tools/logquery/http_module.cc -- logquery-http.so: logquery's HTTP client, loaded on demand.
#include "tools/logquery/http_module.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include <httplib.h>

namespace {

char* CopyOut(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int logquery_http_post(
    const char* origin, const char* path, const char* body, size_t body_size,
    LogqueryHttpReply* reply) {
  *reply = LogqueryHttpReply{0, nullptr, 0, nullptr};
  try {
    httplib::Client client(origin);
    client.set_connection_timeout(10);
    client.set_read_timeout(300);
    client.set_decompress(true);
    httplib::Headers headers = {{"Accept", "application/json, application/x-ndjson"}};
    httplib::Result result =
        client.Post(path, headers, body, body_size, "application/json");
    if (!result) {
      reply->error = CopyOut(httplib::to_string(result.error()));
      return -1;
    }
    reply->status = result->status;
    reply->body = CopyOut(result->body);
    reply->body_size = result->body.size();
    return 0;
  } catch (const std::exception& e) {
    reply->error = CopyOut(e.what());
    return -1;
  }
}

extern "C" __attribute__((visibility("default"))) void logquery_http_free(LogqueryHttpReply* reply) {
  std::free(reply->body);
  std::free(reply->error);
  *reply = LogqueryHttpReply{0, nullptr, 0, nullptr};
}
