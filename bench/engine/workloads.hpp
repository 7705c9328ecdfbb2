#pragma once

// The W1–W3 workloads as snapshot documents and users, shared by the engine and SDK benchmarks.

#include <random>
#include <string>
#include <vector>

#include "aurora/attributes.hpp"

namespace aurora::bench {

inline std::string FlagName(int i) { return "flag_" + std::to_string(i); }

inline std::vector<Attributes> Users(int n) {
  static const char* kCountries[] = {"US", "CA", "GB", "DE", "FR", "JP", "BR", "IN"};
  std::mt19937 rng(7);
  std::vector<Attributes> users;
  users.reserve(n);
  for (int u = 0; u < n; ++u) {
    users.push_back(Attributes()
                        .SetString("user_id", "user_" + std::to_string(u))
                        .SetString("country", kCountries[rng() % 8])
                        .SetNumber("age", 10 + static_cast<double>(rng() % 60))
                        .SetBool("premium", rng() % 2 == 0));
  }
  return users;
}

inline std::string Header() {
  return R"({"formatVersion":1,"revision":1,"generatedAt":"2026-06-01T00:00:00Z","attributes":[
    {"name":"user_id","dataType":"string"},{"name":"country","dataType":"string"},
    {"name":"age","dataType":"number"},{"name":"premium","dataType":"boolean"}],)";
}

inline std::string W1Snapshot() {
  std::string s = Header() + R"("parameters":[)";
  for (int i = 0; i < 100; ++i) {
    if (i) s += ",";
    s += R"({"name":")" + FlagName(i) + R"(","dataType":"boolean","defaultValue":false,"rules":[
      {"id":"r1","type":"attribute","conditions":[{"attribute":"country","operator":"in","value":["US","CA","GB"]}],"value":true}]})";
  }
  return s + "]}";
}

inline std::string W2Snapshot() {
  std::string s = Header() + R"("parameters":[)";
  for (int i = 0; i < 100; ++i) {
    if (i) s += ",";
    s += R"({"name":")" + FlagName(i) + R"(","dataType":"boolean","defaultValue":false,"rules":[
      {"id":"r1","type":"attribute","conditions":[{"attribute":"age","operator":"greater_than_or_equal","value":18}],
       "value":true,"rollout":{"percentage":50,"hashAttribute":"user_id"}}]})";
  }
  return s + "]}";
}

inline std::string W3Snapshot() {
  std::string s = Header() + R"("segments":[{"id":1,"name":"adults","rules":[{"conditions":[
      {"attribute":"age","operator":"greater_than_or_equal","value":18}]}]}],"parameters":[)";
  for (int i = 0; i < 20; ++i) {
    if (i) s += ",";
    s += R"({"name":")" + FlagName(i) + R"(","dataType":"string","defaultValue":"control"})";
  }
  s += R"(],"experiments":[)";
  for (int i = 0; i < 20; ++i) {
    if (i) s += ",";
    const std::string f = FlagName(i);
    s += R"({"id":)" + std::to_string(i + 1) + R"(,"uuid":"00000000-0000-4000-8000-)" +
         std::string(12 - std::to_string(i).size(), '0') + std::to_string(i) +
         R"(","status":"running","hashAttribute":"user_id","populationSize":100,"segmentId":1,"variants":[
        {"id":1,"trafficAllocation":33,"parameters":{")" + f + R"(":"a"}},
        {"id":2,"trafficAllocation":33,"parameters":{")" + f + R"(":"b"}},
        {"id":3,"trafficAllocation":34,"parameters":{")" + f + R"(":"c"}}]})";
  }
  return s + "]}";
}

}  // namespace aurora::bench
