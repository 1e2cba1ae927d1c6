// The Bot API for bench/notifier.py: the tests' fake (tests/support/fake_telegram) on a free
// port, answering every sendMessage at once. It prints its port, then answers lines on
// stdin: "count" prints how many messages arrived, "dump FILE" writes each arrival as
// "seconds chat_id" (steady clock), "quit" ends it.
#include <fstream>
#include <iostream>
#include <string>

#include "support/fake_telegram.hpp"

int main() {
  catalog::testing::FakeTelegram fake;
  std::cout << fake.port() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "count") {
      std::cout << fake.received().size() << std::endl;
    } else if (line.rfind("dump ", 0) == 0) {
      std::ofstream out(line.substr(5));
      for (const auto& r : fake.received())
        out << std::chrono::duration<double>(r.at.time_since_epoch()).count() << ' '
            << r.chat_id.dump() << '\n';
      std::cout << "ok" << std::endl;
    } else if (line == "quit") {
      break;
    }
  }
}
