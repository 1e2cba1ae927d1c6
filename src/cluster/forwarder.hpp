// The HTTP client a follower forwards mutations with: to the writer's URL, over keep-alive
// connections kept in a small pool, on a thread of its own. It only carries requests; the
// decisions about retrying are the caller's (http/cluster_mutation.hpp).
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace catalog::cluster {

namespace beast_http = boost::beast::http;

class Forwarder {
 public:
  using Request = beast_http::request<beast_http::string_body>;
  using Response = beast_http::response<beast_http::string_body>;

  struct Answer {
    bool answered = false;  // false: no answer (refused, reset, timed out): outcome unknown
    Response response;
    std::string error;
  };

  Forwarder();
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Sends `request` to `base_url` ("http://host:port") and calls `done` once, on the
  // forwarder's thread, within about `timeout`.
  void send(const std::string& base_url, Request request, std::chrono::milliseconds timeout,
            std::function<void(Answer)> done);

  // For timers that belong with the requests (the caller's retries).
  boost::asio::io_context::executor_type executor() { return ioc_.get_executor(); }

  struct Connection;

 private:
  void start(const std::string& base_url, Request request, std::chrono::milliseconds timeout,
             std::function<void(Answer)> done);
  void exchange(std::shared_ptr<Connection> c, std::chrono::milliseconds timeout,
                std::function<void(Answer)> done);
  std::shared_ptr<Connection> take_idle(const std::string& base_url);

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  // Touched only on the forwarder's thread.
  std::map<std::string, std::vector<std::shared_ptr<Connection>>> idle_;
  std::thread thread_;
};

}  // namespace catalog::cluster
