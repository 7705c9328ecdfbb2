// Uses only the installed SDK: a Transport of its own serves a fixed snapshot, so the program
// runs without a server and checks a rule, a default, an unknown parameter and the hook.
// Exit status 0 when every check holds.

#include <atomic>
#include <iostream>
#include <memory>
#include <string>

#include <aurora/aurora.hpp>

namespace {

constexpr const char* kSnapshot =
    R"({"formatVersion":1,"revision":7,"generatedAt":"2026-01-01T00:00:00Z",
  "attributes":[{"name":"country","dataType":"string","enumOptions":[]}],
  "parameters":[{"name":"welcome_message","dataType":"string","enabled":true,"defaultValue":"Hello",
    "rules":[{"id":"r1","type":"attribute","conditions":[{"attribute":"country","operator":"equals","value":"US"}],"value":"Hi US"}]},
    {"name":"max_retries","dataType":"number","enabled":true,"defaultValue":3,"rules":[]}]})";

class FixedSnapshot final : public aurora::Transport {
 public:
  aurora::Result<aurora::HttpResponse> Get(const aurora::HttpRequest&, std::stop_token) override {
    aurora::HttpResponse response;
    response.status = 200;
    response.headers = {{"etag", "\"7\""}};
    response.body = kSnapshot;
    return response;
  }
};

int failures = 0;
void Check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
  if (!ok) ++failures;
}

}  // namespace

int main() {
  std::atomic<int> evaluations{0};
  aurora::Client client(aurora::ClientOptions{.endpoint_url = "http://aurora.invalid"},
                        aurora::WithTransport(std::make_shared<FixedSnapshot>()),
                        aurora::WithInMemoryOnly(true), aurora::WithStreaming(false),
                        aurora::WithLogLevel(aurora::LogLevel::kWarn),
                        aurora::WithOnEvaluate([&](aurora::Source, std::string_view,
                                                   const aurora::Attributes&, const aurora::Value*,
                                                   const aurora::ClientError*) { ++evaluations; }));
  const aurora::ClientStatus status = client.Start();
  Check(status.ready && status.revision == 7, "starts ready at revision 7");

  const auto us =
      client.EvaluateParameter("welcome_message", aurora::Attributes().SetString("country", "US"));
  Check(us.AsString("?") == "Hi US" && us.Source() == aurora::Source::kRule && us.RuleId() == "r1",
        "rule matches");
  const auto other =
      client.EvaluateParameter("welcome_message", aurora::Attributes().SetString("country", "FR"));
  Check(other.AsString("?") == "Hello" && other.Source() == aurora::Source::kDefault,
        "default otherwise");
  Check(client.EvaluateParameter("max_retries").AsInt(0) == 3, "number as int");
  const auto missing = client.EvaluateParameter("nope");
  Check(missing.HasError() && missing.Error().kind() == aurora::ErrorKind::kParameterNotFound &&
            missing.AsBool(true),
        "unknown parameter gives ParameterNotFound and the default");
  Check(evaluations == 4, "on_evaluate saw every evaluation");
  client.Stop();
  client.Stop();
  std::cout << "aurora SDK " << aurora::SdkVersion() << ": "
            << (failures == 0 ? "all checks passed" : "checks failed") << "\n";
  return failures == 0 ? 0 : 1;
}
