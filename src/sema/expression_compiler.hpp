#pragma once
// Type checking and code generation for expressions, in one pass over the Ast: names are resolved
// to registers, types checked, constants folded (with the interpreter's own operations), and code
// emitted into the policy's Program. Diagnostics point into the rule file through a ScalarMap.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "admit/policy.hpp"
#include "expr/ast.hpp"
#include "expr/parse.hpp"
#include "policy/compiled_policy.hpp"
#include "yaml/scalar_map.hpp"

namespace admit::internal {

/// Collects diagnostics against one source file.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(const SourceFile& source) : source_(&source) {}
  Diagnostic& error(std::string code, std::string message, std::size_t begin, std::size_t end);
  Diagnostic& warning(std::string code, std::string message, std::size_t begin, std::size_t end);
  std::vector<Diagnostic>& diagnostics() noexcept { return diagnostics_; }
  bool has_errors() const noexcept;
  const SourceFile& source() const noexcept { return *source_; }

 private:
  const SourceFile* source_;
  std::vector<Diagnostic> diagnostics_;
};

/// An expression as it appears in the rule file.
struct ExpressionText {
  std::string_view text;
  const ScalarMap* map = nullptr;  // decoded offset -> file offset
};

enum class Expect : std::uint8_t { boolean, numeric, any };

struct CompiledExpression {
  vm::Segment segment;
  Type type;
  bool is_constant = false;
  std::int64_t constant = 0;
  std::uint64_t fingerprint = 0;  // structural hash of the expression, for "same condition" checks
};

class ExpressionCompiler {
 public:
  ExpressionCompiler(CompiledPolicy& policy, DiagnosticSink& sink, const CompileLimits& limits);
  ~ExpressionCompiler();

  /// Declares a derived value; it can be used by expressions compiled after it. Returns false on error.
  bool add_let(const std::string& name, ExpressionText text, std::size_t name_offset);
  /// The same, with `text.text` already parsed (with the compile limits) by the caller.
  bool add_let(const std::string& name, ExpressionText text, std::size_t name_offset, expr::ParseResult parsed);
  /// Compiles one expression into a segment; nullopt after reporting errors.
  std::optional<CompiledExpression> compile(ExpressionText text, Expect expect);
  /// Relocates registers once every expression has been compiled; the program is then final.
  void finish(bool optimize = true);
  /// Every name an expression may use (for "did you mean" hints in other places).
  std::vector<std::string> known_names() const;
  /// Declares a named constant (`params:`); false if the name is taken.
  bool add_param(const std::string& name, Type type, std::int64_t value);
  /// Marks a name whose declaration failed: uses are errors without a second report.
  void poison(const std::string& name);
  /// Interns a string constant owned by the program (for string params).
  std::int64_t intern_string(std::string_view text);
  /// Makes `policy.*` constants available.
  void set_metadata(const PolicyMetadata& metadata);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace admit::internal
