// `aurora parameters|segments|attributes|experiments list|get|set|delete`: the management API
// from a shell, by name, against any server (local or remote) with an API key.

#include <curl/curl.h>
#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"

namespace aurora::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: aurora parameters|segments|attributes|experiments COMMAND [options]\n"
    "commands:\n"
    "  list                 every resource (all pages)\n"
    "  get NAME|ID          one resource\n"
    "  set NAME JSON|-      create the resource, or change the fields given (a merge patch); JSON\n"
    "                       is an object, or - to read it from stdin\n"
    "  delete NAME|ID       delete it\n"
    "options:\n"
    "  --server URL         the server (default $AURORA_URL, else http://localhost:9999)\n"
    "  --key KEY            an API key (default $AURORA_KEY)\n"
    "  --environment ENV    the environment of parameter states and experiments (default: the server's)\n"
    "  --output table|json  how to print (default table for list, json for the others)\n";

struct Options {
  std::string server;
  std::string key;
  std::string environment;
  std::string output;
};

struct Answer {
  long status = 0;
  std::string body;
  std::string error;  // transport failure
};

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string Escape(const std::string& text) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  char* escaped = curl_easy_escape(curl.get(), text.c_str(), static_cast<int>(text.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

Answer Call(const Options& o, const std::string& method, const std::string& path, const std::string* body = nullptr) {
  Answer a;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string url = o.server + path;
  if (!o.environment.empty()) url += (path.find('?') == std::string::npos ? "?" : "&") + std::string("environment=") + Escape(o.environment);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!o.key.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + o.key).c_str());
  if (body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    a.error = std::string("cannot reach ") + o.server + ": " + curl_easy_strerror(rc);
    return a;
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &a.status);
  return a;
}

// The server's error message ("field: message"), or the status.
std::string ErrorOf(const Answer& a) {
  if (!a.error.empty()) return a.error;
  const json doc = json::parse(a.body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    const json& e = doc["error"];
    std::string out = e.value("message", "");
    if (e.contains("field") && e["field"].is_string()) out = e["field"].get<std::string>() + ": " + out;
    return "HTTP " + std::to_string(a.status) + ": " + out;
  }
  return "HTTP " + std::to_string(a.status);
}

int Fail(const std::string& command, const Answer& a) {
  std::cerr << "aurora " << command << ": " << ErrorOf(a) << "\n";
  return a.error.empty() ? 1 : 2;
}

std::string Cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void PrintTable(const std::string& plural, const json& items) {
  std::vector<std::string> columns = {"id", "name"};
  if (plural == "parameters") columns.insert(columns.end(), {"dataType", "enabled", "defaultValue", "version"});
  if (plural == "attributes") columns.insert(columns.end(), {"dataType", "version"});
  if (plural == "segments") columns.insert(columns.end(), {"version"});
  if (plural == "experiments") columns.insert(columns.end(), {"environment", "status", "version"});
  std::vector<std::size_t> widths;
  for (const auto& c : columns) widths.push_back(c.size());
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : items) {
    std::vector<std::string> row;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string cell = Cell(item.value(columns[i], json()));
      if (cell.size() > 60) cell = cell.substr(0, 57) + "...";
      widths[i] = std::max(widths[i], cell.size());
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::cout << std::left << std::setw(static_cast<int>(widths[i] + (i + 1 < cells.size() ? 2 : 0))) << cells[i];
    }
    std::cout << "\n";
  };
  line(columns);
  for (const auto& row : rows) line(row);
}

}  // namespace

int RunResource(const std::string& plural, const std::vector<std::string>& all_args) {
  Options o;
  const char* url = std::getenv("AURORA_URL");
  const char* key = std::getenv("AURORA_KEY");
  o.server = url != nullptr && *url != '\0' ? url : "http://localhost:9999";
  o.key = key != nullptr ? key : "";
  std::vector<std::string> args;
  for (std::size_t i = 0; i < all_args.size(); ++i) {
    const std::string& a = all_args[i];
    const auto value = [&](std::string& out) {
      if (i + 1 >= all_args.size()) return false;
      out = all_args[++i];
      return true;
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    bool ok = true;
    if (a == "--server") ok = value(o.server);
    else if (a == "--key") ok = value(o.key);
    else if (a == "--environment") ok = value(o.environment);
    else if (a == "--output") ok = value(o.output);
    else if (a.starts_with("--")) ok = false;
    else args.push_back(a);
    if (!ok) {
      std::cerr << "aurora " << plural << ": bad option " << a << "\n" << kUsage;
      return 64;
    }
  }
  while (!o.server.empty() && o.server.back() == '/') o.server.pop_back();
  if (!o.output.empty() && o.output != "table" && o.output != "json") {
    std::cerr << "aurora " << plural << ": --output must be table or json\n";
    return 64;
  }
  const std::string base = "/api/v1/" + plural;
  const std::string command = plural + (args.empty() ? "" : " " + args[0]);

  if (args.size() == 1 && args[0] == "list") {
    json items = json::array();
    std::string cursor;
    do {
      const Answer a = Call(o, "GET", base + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + Escape(cursor)));
      if (a.status != 200) return Fail(command, a);
      const json page = json::parse(a.body, nullptr, false);
      for (const auto& item : page.value("items", json::array())) items.push_back(item);
      cursor = page.contains("nextCursor") && page["nextCursor"].is_string() ? page["nextCursor"].get<std::string>() : "";
    } while (!cursor.empty());
    if (o.output == "json") {
      std::cout << items.dump(2) << "\n";
    } else {
      PrintTable(plural, items);
    }
    return 0;
  }
  if (args.size() == 2 && (args[0] == "get" || args[0] == "delete")) {
    const std::string path = base + "/" + Escape(args[1]);
    const Answer a = Call(o, args[0] == "get" ? "GET" : "DELETE", path);
    if (a.status != (args[0] == "get" ? 200 : 204)) return Fail(command, a);
    if (args[0] == "get") {
      const json doc = json::parse(a.body, nullptr, false);
      if (o.output == "table") {
        PrintTable(plural, json::array({doc}));
      } else {
        std::cout << doc.dump(2) << "\n";
      }
    } else {
      std::cout << "deleted " << args[1] << "\n";
    }
    return 0;
  }
  if (args.size() == 3 && args[0] == "set") {
    std::string text = args[2];
    if (text == "-") {
      std::ostringstream in;
      in << std::cin.rdbuf();
      text = in.str();
    }
    json change = json::parse(text, nullptr, false);
    if (!change.is_object()) {
      std::cerr << "aurora " << command << ": the change must be a JSON object\n";
      return 64;
    }
    const std::string path = base + "/" + Escape(args[1]);
    const Answer current = Call(o, "GET", path);
    Answer a;
    if (current.status == 404) {
      if (!change.contains("name")) change["name"] = args[1];
      const std::string body = change.dump();
      a = Call(o, "POST", base, &body);
      if (a.status != 201) return Fail(command, a);
    } else if (current.status == 200) {
      // A merge patch at the version just read: a concurrent change makes it fail (409), not vanish.
      const json doc = json::parse(current.body, nullptr, false);
      change["version"] = doc.value("version", 0);
      const std::string body = change.dump();
      a = Call(o, "PATCH", path, &body);
      if (a.status != 200) return Fail(command, a);
    } else {
      return Fail(command, current);
    }
    const json doc = json::parse(a.body, nullptr, false);
    if (o.output == "table") {
      PrintTable(plural, json::array({doc}));
    } else {
      std::cout << doc.dump(2) << "\n";
    }
    return 0;
  }
  std::cerr << kUsage;
  return 64;
}

}  // namespace aurora::cli
