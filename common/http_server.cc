#include "common/http_server.h"

#include <httplib.h>

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ironlb {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text) {
  HostPort hp;
  absl::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\" is not [IPv6]:PORT (for example [::1]:7472)"));
    }
    hp.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos || text.find(':') != colon) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\" is not HOST:PORT (for example 127.0.0.1:7472)"));
    }
    hp.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (!absl::SimpleAtoi(port_text, &hp.port) || hp.port < 0 || hp.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": port must be a number 0..65535"));
  }
  return hp;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(absl::string_view listen,
                                                              Handlers handlers) {
  auto hp = ParseHostPort(listen);
  if (!hp.ok()) return hp.status();

  std::unique_ptr<HttpServer> s(new HttpServer());
  s->handlers_ = std::move(handlers);
  s->server_ = std::make_unique<httplib::Server>();
  HttpServer* self = s.get();

  auto serve_check = [](const std::function<absl::Status()>& check, httplib::Response& res) {
    const absl::Status st = check ? check() : absl::OkStatus();
    if (st.ok()) {
      res.set_content("ok\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content(absl::StrCat(st.message(), "\n"), "text/plain");
    }
  };
  s->server_->Get("/healthz", [self, serve_check](const httplib::Request&, httplib::Response& res) {
    serve_check(self->handlers_.healthy, res);
  });
  s->server_->Get("/readyz", [self, serve_check](const httplib::Request&, httplib::Response& res) {
    serve_check(self->handlers_.ready, res);
  });
  s->server_->Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    const std::string body = self->handlers_.registry ? self->handlers_.registry->Render() : "";
    res.set_content(body, "text/plain; version=0.0.4; charset=utf-8");
  });

  // cpp-httplib sets SO_REUSEPORT by default, which would let a second daemon silently share
  // the port; keep only SO_REUSEADDR so that a port in use is an error.
  s->server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const std::string host = hp->host.empty() ? std::string("::") : hp->host;
  int port = hp->port;
  if (port == 0) {
    port = s->server_->bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!s->server_->bind_to_port(host, port)) {
    port = 0;
  }
  if (port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", listen,
        ": the address is in use or not on this host; pick another with --metrics-address"));
  }
  s->port_ = port;
  s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  // stop() is a no-op until the listener runs; wait for it (bounded) so that a Stop() right
  // after Start() cannot leave the thread listening forever.
  for (int i = 0; i < 5000 && !s->server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return s;
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace ironlb
