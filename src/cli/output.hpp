// Shared pieces of the `admit` subcommands: colour decisions, decision records (JSON and CSV),
// masking, and small I/O helpers. Record writers append to a caller-owned string that is reused
// across records, so the eval hot path does not allocate once warm.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "admit/applicant.hpp"
#include "admit/context.hpp"
#include "admit/decision.hpp"
#include "admit/policy.hpp"

namespace admit::internal::cli {

enum class ColorMode { automatic, always, never };
enum class ProgressMode { automatic, always, never };

/// always -> true, never -> false; automatic -> `fd` is a terminal, NO_COLOR is unset or empty,
/// and TERM is not "dumb" (https://no-color.org: an explicit --color=always still wins).
bool use_color(ColorMode mode, int fd);

/// ANSI styling that collapses to nothing when colour is off.
struct Style {
  bool color = false;
  std::string bold(std::string_view s) const { return wrap("\033[1m", s); }
  std::string red(std::string_view s) const { return wrap("\033[31m", s); }
  std::string green(std::string_view s) const { return wrap("\033[32m", s); }
  std::string yellow(std::string_view s) const { return wrap("\033[33m", s); }
  std::string dim(std::string_view s) const { return wrap("\033[2m", s); }

 private:
  std::string wrap(std::string_view code, std::string_view s) const;
};

struct RecordOptions {
  bool breakdown = false;
  bool trace = false;
};

/// {"line":N,"id":"...","eligible":b,"group":"...","rank":N,"points":75.5,"missing":[...]
///  [,"breakdown":{...}][,"trace":[...]]} followed by '\n'. An empty id is written as null.
void append_decision_json(std::string& out, std::size_t line, std::string_view id, const Policy& policy,
                          const Decision& decision, const RecordOptions& options);
/// The records of append_decision_json, byte for byte, written faster: what depends only on the
/// policy (certificate and points item ids as escaped JSON strings) is rendered once, and each
/// record is written through a pointer into a reused buffer after one size check, then appended
/// to `out` at once. Records with a trace go through append_decision_json. One per thread (it
/// keeps its buffers).
class DecisionJsonWriter {
 public:
  DecisionJsonWriter(const Policy& policy, const RecordOptions& options);
  void append(std::string& out, std::size_t line, std::string_view id, const Decision& decision);

 private:
  char* put_string(char* p, std::string_view s);

  const Policy* policy_;
  RecordOptions options_;
  std::vector<std::string> certificates_;  // "id", escaped, with its quotes
  std::vector<std::string> items_;         // "id": (points item ids, escaped)
  std::size_t certificate_bytes_ = 0;      // longest entry of certificates_, plus a comma
  std::size_t item_bytes_ = 0;             // longest entry of items_, plus a value and a comma
  std::string scratch_;
  std::vector<char> record_;  // the record being written (grown, never shrunk: no clearing per record)
};

/// {"line":N,"id":"<masked id>"|null,"error":"..."} followed by '\n'.
void append_error_json(std::string& out, std::size_t line, std::string_view masked_id, std::string_view message);

/// CSV (RFC 4180, '\n' line ends): id,eligible,group,rank,points,missing[,<points item ids>],error.
/// The error column is empty for evaluated records; error rows leave the decision columns empty.
void append_csv_header(std::string& out, const Policy& policy, const RecordOptions& options);
void append_decision_csv(std::string& out, std::string_view id, const Policy& policy, const Decision& decision,
                         const RecordOptions& options);
void append_error_csv(std::string& out, std::string_view masked_id, std::string_view message, const Policy& policy,
                      const RecordOptions& options);
void append_csv_field(std::string& out, std::string_view field);

/// "eligibility", "group", "points", "requirement", "substitute".
std::string_view to_string(TraceKind kind) noexcept;

/// Masks every resident ID number (valid 18- or 15-character GB 11643 numbers standing alone) in
/// free text: a last line of defence for messages that quote input values.
std::string mask_ids_in_text(std::string_view text);

/// "field: message" (the field only when the message does not already name it), IDs masked.
std::string format_bind_error(const BindError& error);

/// The top-level "id" member of a JSON record, read without binding it (for records that fail to
/// bind): true and `id` set when found before any syntax error. Numbers are returned as written.
bool peek_record_id(std::string_view json, std::string& id);

/// Reads a whole file ("-" = stdin). On failure returns false and sets `error` (lowercase).
bool read_whole_file(const std::string& path, std::string& text, std::string& error);

/// A run's diagnostics as one machine-readable document for `--format json` or `--format sarif`
/// (ending in a newline).
std::string render_document(std::string_view format, const std::vector<Diagnostic>& diagnostics);

/// Binds `--context`: inline JSON (starting with `{`) or a file holding a JSON object. An empty
/// argument keeps the defaults. On failure `error` says what is wrong.
bool load_context(const std::string& argument, admit::Context& context, std::string& error);

/// fwrite with a check; false on a write error (e.g. EPIPE, disk full).
bool write_all(std::FILE* file, std::string_view data);

/// Display name of an input path for messages: "<stdin>" for "-".
std::string display_name(const std::string& path);

}  // namespace admit::internal::cli
