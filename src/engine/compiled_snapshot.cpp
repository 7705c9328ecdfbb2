#include "engine/compiled_snapshot.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <re2/re2.h>

#include "aurora/attributes.hpp"
#include "engine/codec/json.hpp"
#include "engine/codec/snapshot_codec.hpp"

namespace aurora::engine {

CompiledCondition::CompiledCondition() = default;
CompiledCondition::CompiledCondition(CompiledCondition&&) noexcept = default;
CompiledCondition& CompiledCondition::operator=(CompiledCondition&&) noexcept = default;
CompiledCondition::~CompiledCondition() = default;

bool NameIndex::Insert(std::string_view name, std::size_t index) {
  if (Find(name) != npos) return false;
  if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 16 : slots_.size() * 2);  // load <= 1/2: short probes
  const std::uint64_t h = Attributes::HashName(name);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  while (slots_[i].index != npos) i = (i + 1) & mask;
  slots_[i] = Slot{h, name, index};
  ++size_;
  return true;
}

std::size_t NameIndex::Find(std::string_view name) const {
  if (slots_.empty()) return npos;
  const std::uint64_t h = Attributes::HashName(name);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.index == npos) return npos;
    if (slot.hash == h && slot.name == name) return slot.index;
  }
}

void NameIndex::Reserve(std::size_t count) {
  std::size_t slot_count = slots_.empty() ? 16 : slots_.size();
  while (count * 2 > slot_count) slot_count *= 2;
  if (slot_count != slots_.size()) Rehash(slot_count);
}

void NameIndex::Rehash(std::size_t slot_count) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slot_count, Slot{});
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.index != npos) Insert(slot.name, slot.index);
  }
}

namespace {

using nlohmann::json;

// As in the codec: the first problem unwinds to CompileSnapshot and becomes an Error value.
struct Failure {
  Error error;
};

[[noreturn]] void Fail(const JsonPath& path, std::string message) {
  throw Failure{Error{ErrorCode::kInvalidArgument, std::move(message), path.ToString()}};
}

DataType ToDataType(ParameterType t) {
  switch (t) {
    case ParameterType::kString: return DataType::kString;
    case ParameterType::kNumber: return DataType::kNumber;
    case ParameterType::kBoolean: return DataType::kBoolean;
    case ParameterType::kJson: return DataType::kJson;
  }
  return DataType::kJson;
}

void CheckValueType(ParameterType type, const json& value, const JsonPath& path) {
  bool ok = true;
  switch (type) {
    case ParameterType::kString: ok = value.is_string(); break;
    case ParameterType::kNumber: ok = value.is_number(); break;
    case ParameterType::kBoolean: ok = value.is_boolean(); break;
    case ParameterType::kJson: break;
  }
  if (!ok) {
    Fail(path, std::string("must be a ") + Name(type) + " (the parameter's dataType), got " + JsonTypeName(value));
  }
}

HashKey MakeHashKey(const std::string& attribute, std::string_view prefix_a, std::string_view prefix_b,
                    std::string_view prefix_c = {}) {
  HashKey key;
  key.attribute = attribute;
  key.attribute_hash = Attributes::HashName(attribute);
  key.prefix.Update(prefix_a);
  key.prefix.Update(prefix_b);
  key.prefix.Update(prefix_c);
  return key;
}

class Compiler {
 public:
  explicit Compiler(const Snapshot& s) : snapshot_(s) {}

  std::shared_ptr<CompiledSnapshot> Run() {
    auto out = std::make_shared<CompiledSnapshot>();
    out->revision = snapshot_.revision;
    out->generated_at = snapshot_.generated_at;
    IndexAttributes();
    CompileSegments(*out);
    CompileParameters(*out);
    CompileExperiments(*out);
    return out;
  }

 private:
  void IndexAttributes() {
    for (std::size_t i = 0; i < snapshot_.attributes.size(); ++i) {
      const Attribute& a = snapshot_.attributes[i];
      const JsonPath section(root_, "attributes");
      const JsonPath path(section, i);
      if (!attributes_.emplace(a.name, &a).second) Fail(JsonPath(path, "name"), "duplicate attribute \"" + a.name + "\"");
      if (a.type == AttributeType::kEnum) {
        if (a.enum_options.empty()) Fail(JsonPath(path, "enumOptions"), "an enum attribute needs at least one option");
        auto sorted = std::make_shared<std::vector<std::string>>(a.enum_options);
        std::sort(sorted->begin(), sorted->end());
        if (std::adjacent_find(sorted->begin(), sorted->end()) != sorted->end()) {
          Fail(JsonPath(path, "enumOptions"), "enum options must be distinct");
        }
        enum_options_[a.name] = std::move(sorted);
      }
    }
  }

  const Attribute& AttributeNamed(const std::string& name, const JsonPath& path) {
    const auto it = attributes_.find(name);
    if (it == attributes_.end()) Fail(path, "unknown attribute \"" + name + "\"");
    return *it->second;
  }

  // One operand item, typed by the attribute; `path` names it for errors.
  void CheckEnumOption(const CompiledCondition& c, const std::string& s, const JsonPath& path) {
    if (!std::binary_search(c.enum_options->begin(), c.enum_options->end(), s)) {
      Fail(path, "\"" + s + "\" is not one of the attribute's enumOptions");
    }
  }

  CompiledCondition CompileCondition(const Condition& cond, const JsonPath& path) {
    const Attribute& attr = AttributeNamed(cond.attribute, JsonPath(path, "attribute"));
    if (!OperatorFits(attr.type, cond.op)) {
      Fail(JsonPath(path, "operator"), std::string("operator ") + Name(cond.op) + " does not fit attribute type " +
                                           Name(attr.type));
    }
    CompiledCondition c;
    c.attribute = attr.name;
    c.attribute_hash = Attributes::HashName(attr.name);
    c.type = attr.type;
    c.op = cond.op;
    if (attr.type == AttributeType::kEnum) c.enum_options = enum_options_.at(attr.name);
    const JsonPath vpath(path, "value");
    const json& v = cond.value;
    const bool is_set = cond.op == Operator::kIn || cond.op == Operator::kNotIn;
    if (is_set) {
      if (!v.is_array()) Fail(vpath, std::string("operator ") + Name(cond.op) + " needs an array");
      if (attr.type == AttributeType::kNumber) {
        c.numbers.reserve(v.size());
      } else {
        c.texts.reserve(v.size());
      }
      for (std::size_t i = 0; i < v.size(); ++i) {
        const JsonPath ipath(vpath, i);
        if (attr.type == AttributeType::kNumber) {
          if (!v[i].is_number()) Fail(ipath, std::string("must be a number, got ") + JsonTypeName(v[i]));
          c.numbers.push_back(v[i].get<double>());
        } else {
          if (!v[i].is_string()) Fail(ipath, std::string("must be a string, got ") + JsonTypeName(v[i]));
          c.texts.push_back(v[i].get<std::string>());
          if (attr.type == AttributeType::kEnum) CheckEnumOption(c, c.texts.back(), ipath);
        }
      }
      std::sort(c.texts.begin(), c.texts.end());
      std::sort(c.numbers.begin(), c.numbers.end());
      return c;
    }
    switch (attr.type) {
      case AttributeType::kString:
      case AttributeType::kEnum:
      case AttributeType::kSemver:
        if (!v.is_string()) Fail(vpath, std::string("must be a string, got ") + JsonTypeName(v));
        c.text = v.get<std::string>();
        break;
      case AttributeType::kNumber:
        if (!v.is_number()) Fail(vpath, std::string("must be a number, got ") + JsonTypeName(v));
        c.number = v.get<double>();
        break;
      case AttributeType::kBoolean:
        if (!v.is_boolean()) Fail(vpath, std::string("must be a boolean, got ") + JsonTypeName(v));
        c.boolean = v.get<bool>();
        break;
    }
    if (attr.type == AttributeType::kEnum) CheckEnumOption(c, c.text, vpath);
    if (attr.type == AttributeType::kSemver) {
      c.semver_text = std::make_unique<const std::string>(c.text);
      const auto parsed = ParseSemVer(*c.semver_text);
      if (!parsed) Fail(vpath, "\"" + c.text + "\" is not a SemVer 2.0.0 version");
      c.semver = *parsed;
    }
    if (cond.op == Operator::kMatches) {
      RE2::Options options;
      options.set_log_errors(false);
      c.regex = std::make_unique<re2::RE2>(c.text, options);
      if (!c.regex->ok()) Fail(vpath, "invalid regular expression: " + c.regex->error());
    }
    return c;
  }

  std::vector<CompiledCondition> CompileConditions(const std::vector<Condition>& conditions,
                                                   const JsonPath& path) {
    std::vector<CompiledCondition> out;
    out.reserve(conditions.size());
    const JsonPath list(path, "conditions");
    for (std::size_t i = 0; i < conditions.size(); ++i) {
      const JsonPath item(list, i);
      out.push_back(CompileCondition(conditions[i], item));
    }
    return out;
  }

  void CompileSegments(CompiledSnapshot& out) {
    for (std::size_t i = 0; i < snapshot_.segments.size(); ++i) {
      const Segment& s = snapshot_.segments[i];
      const JsonPath section(root_, "segments");
      const JsonPath path(section, i);
      if (!segments_.emplace(s.id, i).second) Fail(JsonPath(path, "id"), "duplicate segment id " + std::to_string(s.id));
      CompiledSegment cs;
      cs.id = s.id;
      cs.rules.reserve(s.rules.size());
      const JsonPath rules(path, "rules");
      for (std::size_t r = 0; r < s.rules.size(); ++r) {
        const JsonPath rpath(rules, r);
        if (s.rules[r].conditions.empty()) {
          Fail(JsonPath(rpath, "conditions"), "a segment rule needs at least one condition");
        }
        cs.rules.push_back(CompileConditions(s.rules[r].conditions, rpath));
      }
      out.segments.push_back(std::move(cs));
    }
  }

  std::size_t SegmentIndex(std::int64_t id, const JsonPath& path) {
    const auto it = segments_.find(id);
    if (it == segments_.end()) Fail(path, "unknown segment " + std::to_string(id));
    return it->second;
  }

  void CompileParameters(CompiledSnapshot& out) {
    // Reserved up front: the index keeps pointing at the names of the parameters already added.
    out.parameters.reserve(snapshot_.parameters.size());
    out.parameter_index.Reserve(snapshot_.parameters.size());
    const JsonPath section(root_, "parameters");
    for (std::size_t i = 0; i < snapshot_.parameters.size(); ++i) {
      const Parameter& p = snapshot_.parameters[i];
      const JsonPath path(section, i);
      if (out.parameter_index.Find(p.name) != NameIndex::npos) {
        Fail(JsonPath(path, "name"), "duplicate parameter \"" + p.name + "\"");
      }
      CompiledParameter cp;
      cp.name = p.name;
      cp.data_type = ToDataType(p.type);
      cp.enabled = p.enabled;
      CheckValueType(p.type, p.default_value, JsonPath(path, "defaultValue"));
      cp.default_value = ToValue(p.default_value);
      cp.rules.reserve(p.rules.size());
      const JsonPath rules(path, "rules");
      for (std::size_t r = 0; r < p.rules.size(); ++r) {
        const ParameterRule& rule = p.rules[r];
        const JsonPath rpath(rules, r);
        if (HasEarlierRuleId(p.rules, r)) Fail(JsonPath(rpath, "id"), "duplicate rule id \"" + rule.id + "\"");
        CompiledRule cr;
        cr.id = rule.id;
        cr.type = rule.type;
        if (rule.type == RuleType::kAttribute) {
          cr.conditions = CompileConditions(rule.conditions, rpath);
        } else {
          cr.segment = SegmentIndex(rule.segment_id, JsonPath(rpath, "segmentId"));
          cr.match_type = rule.match_type;
        }
        CheckValueType(p.type, rule.value, JsonPath(rpath, "value"));
        cr.value = ToValue(rule.value);
        if (rule.rollout) {
          const JsonPath rollout(rpath, "rollout");
          AttributeNamed(rule.rollout->hash_attribute, JsonPath(rollout, "hashAttribute"));
          cr.has_rollout = true;
          cr.percentage = rule.rollout->percentage;
          cr.rollout_key = MakeHashKey(rule.rollout->hash_attribute, "parameter:rollout:", p.name,
                                       ":" + rule.id + ":");
        }
        cp.rules.push_back(std::move(cr));
      }
      out.parameters.push_back(std::move(cp));
      out.parameter_index.Insert(out.parameters.back().name, i);
    }
  }

  // Whether rules[r]'s id appeared in an earlier rule of the same parameter. Parameters have a
  // few rules, so a scan beats building a set; many rules get a sorted index, built once.
  bool HasEarlierRuleId(const std::vector<ParameterRule>& rules, std::size_t r) {
    constexpr std::size_t kScanLimit = 32;
    if (rules.size() <= kScanLimit) {
      for (std::size_t k = 0; k < r; ++k) {
        if (rules[k].id == rules[r].id) return true;
      }
      return false;
    }
    if (r == 0) rule_ids_.clear();
    return !rule_ids_.insert(rules[r].id).second;
  }

  void CompileExperiments(CompiledSnapshot& out) {
    std::set<std::int64_t> ids;
    // Experiments are linked to parameters in ascending id order whatever the document order.
    std::vector<std::size_t> order(snapshot_.experiments.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = 0; i < snapshot_.experiments.size(); ++i) {
      const Experiment& e = snapshot_.experiments[i];
      const JsonPath section(root_, "experiments");
      const JsonPath path(section, i);
      if (!ids.insert(e.id).second) Fail(JsonPath(path, "id"), "duplicate experiment id " + std::to_string(e.id));
      AttributeNamed(e.hash_attribute, JsonPath(path, "hashAttribute"));
      CompiledExperiment ce;
      ce.id = e.id;
      ce.status = e.status;
      ce.start_date = e.start_date;
      ce.end_date = e.end_date;
      ce.population = e.population;
      ce.population_key = MakeHashKey(e.hash_attribute, "experiment:population:", e.uuid, ":");
      ce.variant_key = MakeHashKey(e.hash_attribute, "experiment:hash:", e.uuid, ":");
      if (e.segment_id) ce.segment = SegmentIndex(*e.segment_id, JsonPath(path, "segmentId"));
      const JsonPath vpath(path, "variants");
      Hundredths sum = 0;
      for (std::size_t v = 0; v < e.variants.size(); ++v) {
        const Variant& variant = e.variants[v];
        sum += variant.traffic_allocation;
        ce.cumulative.push_back(sum);
        ce.variant_ids.push_back(variant.id);
        const JsonPath variant_path(vpath, v);
        const JsonPath ppath(variant_path, "parameters");
        for (const VariantParameter& vp : variant.parameters) {
          const JsonPath path_of_value(ppath, vp.parameter_name);
          const std::size_t p = out.parameter_index.Find(vp.parameter_name);
          if (p == NameIndex::npos) Fail(path_of_value, "unknown parameter \"" + vp.parameter_name + "\"");
          CheckValueType(snapshot_.parameters[p].type, vp.value, path_of_value);
        }
      }
      if (sum != kFullPercentage) {
        Fail(vpath, "traffic allocations must sum to 100, got " + PercentJson(sum).dump());
      }
      out.experiments.push_back(std::move(ce));
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return snapshot_.experiments[a].id < snapshot_.experiments[b].id;
    });
    for (std::size_t i : order) {
      const Experiment& e = snapshot_.experiments[i];
      if (e.status != ExperimentStatus::kRunning && e.status != ExperimentStatus::kScheduled) continue;
      // Each parameter this experiment sets gets a link with its value per variant.
      std::map<std::size_t, ExperimentLink> links;
      for (std::size_t v = 0; v < e.variants.size(); ++v) {
        for (const VariantParameter& vp : e.variants[v].parameters) {
          const std::size_t p = out.parameter_index.Find(vp.parameter_name);
          ExperimentLink& link = links[p];
          link.experiment = i;
          link.values.resize(e.variants.size());
          link.values[v] = ToValue(vp.value);
        }
      }
      for (auto& [p, link] : links) out.parameters[p].experiments.push_back(std::move(link));
    }
  }

  const Snapshot& snapshot_;
  const JsonPath root_;
  std::set<std::string_view> rule_ids_;  // HasEarlierRuleId's, for parameters with many rules
  std::map<std::string, const Attribute*, std::less<>> attributes_;
  std::map<std::string, std::shared_ptr<const std::vector<std::string>>, std::less<>> enum_options_;
  std::map<std::int64_t, std::size_t> segments_;
};

}  // namespace

Result<std::shared_ptr<const CompiledSnapshot>> CompileSnapshot(const Snapshot& snapshot) {
  try {
    return std::shared_ptr<const CompiledSnapshot>(Compiler(snapshot).Run());
  } catch (Failure& f) {
    return std::move(f.error);
  }
}

Result<std::shared_ptr<const CompiledSnapshot>> LoadSnapshot(std::string_view json_text) {
  auto snapshot = DecodeSnapshot(json_text);
  if (!snapshot) return std::move(snapshot).error();
  return CompileSnapshot(*snapshot);
}

}  // namespace aurora::engine
