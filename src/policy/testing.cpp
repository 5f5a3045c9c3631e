#include "admit/testing.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "admit/resident_id.hpp"

namespace admit {

std::string describe(const BindError& error) {
  std::string text;
  if (!error.field.empty() && error.message.find(error.field) == std::string::npos) text.append(error.field).append(": ");
  text.append(error.message.empty() ? std::string_view("invalid record") : std::string_view(error.message));
  return mask_resident_ids_in_text(text);
}

bool bind_test_case(const PolicyTest& test, Context& context, Applicant& applicant, BindError* error) {
  if (!test.context_json.empty()) {
    if (!context.bind_json(test.context_json, error)) {
      if (error) error->message = "in the test's context: " + error->message;
      return false;
    }
    applicant.use_context(&context);
  } else {
    applicant.use_context(nullptr);
  }
  return applicant.bind_json(test.applicant_json, error);
}

namespace {

std::string quoted(std::string_view s) { return fmt::format("\"{}\"", s); }

std::string list_text(const std::vector<std::string>& items) { return fmt::format("[{}]", fmt::join(items, ", ")); }

// The rank and the group's own keys: the zeros that pad a sort key to the longest group's are not
// written in tests.
std::vector<std::string> own_sort_key(const Policy& policy, const Decision& decision) {
  std::vector<std::string> out;
  const std::size_t own = decision.sort_key().empty() ? 0
                          : decision.eligible()      ? 1 + policy.tie_break(decision.group()).size()
                                                     : 1;
  for (std::size_t i = 0; i < own; ++i) out.push_back(decision.sort_key_text(i));
  return out;
}

bool same_values(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  if (want.size() != got.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i) {
    // Numbers compare as decimals (2 == 2.0); everything else as written.
    const auto w = Decimal::parse(want[i]);
    const auto g = Decimal::parse(got[i]);
    if (w && g ? *w != *g : want[i] != got[i]) return false;
  }
  return true;
}

}  // namespace

TestCaseResult run_test_case(const Policy& policy, const PolicyTest& test, Context& context, Applicant& applicant,
                             Decision& decision) {
  TestCaseResult result;
  auto& problems = result.problems;
  BindError bind_error;
  const bool bound = bind_test_case(test, context, applicant, &bind_error);
  if (bound) {
    policy.evaluate(applicant, decision);
    result.evaluated = true;
  }

  if (test.error_contains) {
    const std::string& expected = *test.error_contains;
    if (!bound) {
      const std::string message = describe(bind_error);
      if (bind_error.message.find(expected) == std::string::npos && message.find(expected) == std::string::npos)
        problems.push_back(fmt::format("error: expected an error containing {}, got {}", quoted(expected), quoted(message)));
    } else if (!decision.ok()) {
      if (decision.error().find(expected) == std::string::npos)
        problems.push_back(fmt::format("error: expected an error containing {}, got {}", quoted(expected),
                                       quoted(mask_resident_ids_in_text(decision.error()))));
    } else {
      problems.push_back(fmt::format("error: expected an error containing {}, but the applicant was accepted (group {})",
                                     quoted(expected), quoted(decision.group_id())));
    }
    return result;
  }
  if (!bound) {
    problems.push_back(fmt::format("applicant: cannot bind: {}", describe(bind_error)));
    return result;
  }
  if (!decision.ok()) {
    problems.push_back(fmt::format("evaluation error: {}", mask_resident_ids_in_text(decision.error())));
    return result;
  }
  if (test.eligible && *test.eligible != decision.eligible()) {
    problems.push_back(fmt::format("eligible: expected {}, got {}", *test.eligible, decision.eligible()));
    result.decision_wrong = true;
  }
  if (test.group && *test.group != decision.group_id()) {
    problems.push_back(fmt::format("group: expected {}, got {}", quoted(*test.group), quoted(decision.group_id())));
    result.decision_wrong = true;
  }
  if (test.points && *test.points != decision.points())
    problems.push_back(fmt::format("points: expected {}, got {}", test.points->to_string(), decision.points().to_string()));
  const auto& items = policy.points_items();
  for (const auto& [id, expected] : test.breakdown) {
    // (a named copy: clang before 16 cannot capture a structured binding)
    const auto item = std::find_if(items.begin(), items.end(), [&item_id = id](const PointsItemInfo& i) { return i.id == item_id; });
    if (item == items.end()) {
      problems.push_back(fmt::format("breakdown.{}: no such points item", id));
      continue;
    }
    const auto index = static_cast<std::uint32_t>(item - items.begin());
    Decimal actual;
    for (const PointsLine& line : decision.breakdown())
      if (line.item == index) actual = line.value;
    if (actual != expected)
      problems.push_back(fmt::format("breakdown.{}: expected {}, got {}", id, expected.to_string(), actual.to_string()));
  }
  if (test.sort_key) {
    const std::vector<std::string> actual = own_sort_key(policy, decision);
    if (!same_values(*test.sort_key, actual))
      problems.push_back(fmt::format("sort_key: expected {}, got {}", list_text(*test.sort_key), list_text(actual)));
  }
  if (test.missing) {
    const std::vector<std::string> actual = decision.missing_ids();
    if (actual != *test.missing)
      problems.push_back(fmt::format("missing: expected {}, got {}", list_text(*test.missing), list_text(actual)));
  }
  return result;
}

}  // namespace admit
