#include "notify/bot_updates.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace catalog::notify {

BotUpdate read_update(const nlohmann::json& update) {
  if (!update.is_object()) throw std::invalid_argument("an update is not a JSON object");
  auto id = update.find("update_id");
  if (id == update.end() || !id->is_number_integer())
    throw std::invalid_argument("an update has no integer update_id");
  BotUpdate u;
  u.update_id = id->get<int64_t>();
  auto message = update.find("message");
  if (message == update.end() || !message->is_object()) return u;
  auto chat = message->find("chat");
  auto text = message->find("text");
  if (chat == message->end() || !chat->is_object() || text == message->end() || !text->is_string())
    return u;
  auto chat_id = chat->find("id");
  if (chat_id == chat->end() || !chat_id->is_number_integer()) return u;
  IncomingMessage m;
  m.chat_id = chat_id->get<int64_t>();
  m.chat_type = chat->value("type", "");
  m.text = text->get<std::string>();
  u.message = std::move(m);
  return u;
}

std::vector<BotUpdate> read_updates(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) throw std::invalid_argument("the answer to getUpdates is not JSON");
  auto ok = json.find("ok");
  auto result = json.find("result");
  if (!json.is_object() || ok == json.end() || *ok != true || result == json.end() ||
      !result->is_array())
    throw std::invalid_argument("the answer to getUpdates has no \"result\" list");
  std::vector<BotUpdate> updates;
  updates.reserve(result->size());
  for (const auto& u : *result)
    updates.push_back(read_update(u));
  return updates;
}

std::string get_updates_body(int64_t offset, int wait_seconds) {
  return nlohmann::json{{"offset", offset},
                        {"timeout", wait_seconds},
                        {"allowed_updates", nlohmann::json::array({"message"})}}
      .dump();
}

}  // namespace catalog::notify
