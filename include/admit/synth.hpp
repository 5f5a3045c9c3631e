#pragma once
/// \file
/// Synthetic applicant populations for benchmarks, load tests and analysts (`admit synth`).
///
///     admit::SynthResult r = admit::make_synthesizer(policy, profile_yaml, "profile.yaml");
///     if (!r.ok()) { std::cerr << admit::render_text(r.diagnostics); return 1; }
///     std::string out;
///     for (std::uint64_t i = 0; i < count; ++i) r.synthesizer->append_record(seed, i, out);
///
/// Every declared fact is drawn from its domain (enums uniformly or by the profile's weights,
/// numbers in plausible ranges, birth dates mostly inside the policy's eligible year, resident IDs
/// with a valid check character and the record's birth date), and the `verified` / `submitted`
/// certificate lists follow ../shared/DOMAIN.md §12: about 85 % of the records whose group needs
/// certificates have all of them, 10 % lack one, 5 % lack two or more. The profile format and the
/// defaults are documented in docs/performance.md.
///
/// Record `index` of population `seed` depends only on (policy, profile, seed, index): not on the
/// platform, the standard library (no std::*_distribution) or how records are split among threads,
/// so the same seed gives byte-identical output.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admit/diagnostic.hpp"

namespace admit {

class Policy;

/// Draws applicant records for one policy. Not thread-safe: use one per thread (they can share the
/// policy, and any split of the indices among them gives the same records).
class Synthesizer {
 public:
  ~Synthesizer();
  Synthesizer(const Synthesizer&) = delete;
  Synthesizer& operator=(const Synthesizer&) = delete;

  /// Appends record `index` of population `seed`: one JSON object on one line, followed by '\n'.
  /// The record binds to the policy (Applicant::bind_json) without error.
  void append_record(std::uint64_t seed, std::uint64_t index, std::string& out);

  /// Appends an evaluation context for population `seed` (the policy's `context:` values, drawn
  /// like facts): one JSON object on one line, for admit::Context::bind_json.
  void append_context(std::uint64_t seed, std::string& out);

  struct Impl;

 private:
  friend struct SynthFactory;
  explicit Synthesizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SynthResult {
  std::unique_ptr<Synthesizer> synthesizer;  ///< null when the profile has errors
  std::vector<Diagnostic> diagnostics;
  bool ok() const noexcept { return synthesizer != nullptr; }
};

/// Prepares a synthesizer for `policy` (kept alive by the synthesizer). `profile_yaml` is the text
/// of a profile file (empty: the defaults); `profile_name` is only used in diagnostics. Profile
/// problems (unknown fact or value, wrong type, negative weight) are error diagnostics.
SynthResult make_synthesizer(std::shared_ptr<const Policy> policy, std::string_view profile_yaml = {},
                             std::string_view profile_name = "<profile>");

}  // namespace admit
