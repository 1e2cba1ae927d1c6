// The HTTP server: accepts connections on io threads and gives each a Session. Stops
// gracefully: no new connections, then a wait for the answers in flight.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/connection_count.hpp"
#include "http/limits.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "projections/read_position.hpp"

namespace catalog::http {

class Server {
 public:
  // Binds at once, so a port in use fails here with a clear error.
  Server(const Router& router, Limits limits, const std::string& host, unsigned short port,
         int threads, std::shared_ptr<ConnectionCount> count, metrics::Metrics& metrics,
         projections::ReadPosition* position = nullptr);
  ~Server();

  unsigned short port() const { return port_; }
  // Runs the io threads until stop() has finished; the calling thread is one of them.
  void run();
  // Stops accepting, waits up to `grace` for answers in flight, then ends run(). Safe to
  // call from any thread, more than once.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  const ConnectionCount& counts() const { return *count_; }

 private:
  void accept();
  // Starts a session, or refuses the connection past the cap.
  void admit(boost::asio::ip::tcp::socket socket);
  void wait_for_in_flight(std::chrono::steady_clock::time_point deadline);

  const Router& router_;
  Limits limits_;
  int threads_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::shared_ptr<ConnectionCount> count_;
  metrics::Metrics& metrics_;
  projections::ReadPosition* position_;
};

}  // namespace catalog::http
