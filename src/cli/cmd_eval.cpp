// admit eval POLICY --applicants FILE.jsonl: one result record per applicant record, in input order.
//
// The input is read in chunks of lines by a reader thread; worker threads evaluate whole chunks,
// each with its own Applicant and Decision; the main thread writes the chunks back in order. Chunks
// (with their input bytes, line table, output and error text) are recycled through a small pool, so
// once the pool is warm a record costs no allocation on the success path: the output is appended to
// the chunk's reused string.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "admit/applicant.hpp"
#include "admit/decision.hpp"
#include "admit/diagnostic.hpp"
#include "admit/policy.hpp"
#include "admit/resident_id.hpp"
#include "cli/commands.hpp"

namespace admit::internal::cli {

namespace {

constexpr std::size_t kMaxChunkBytes = 8u << 20;
constexpr std::size_t kProgressMinLines = 10000;

// Lines of a file descriptor, without per-line allocation: views into a buffer that grows to the
// longest line. A view is valid until the next call.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd), buf_(1u << 20) {}

  /// False at the end of the input or on a read error (see error()).
  bool next(std::string_view& line) {
    for (;;) {
      if (const void* nl = std::memchr(buf_.data() + scan_, '\n', end_ - scan_)) {
        const auto e = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
        line = std::string_view(buf_.data() + pos_, e - pos_);
        consumed_ += e + 1 - pos_;
        pos_ = scan_ = e + 1;
        return true;
      }
      scan_ = end_;
      if (eof_) {
        if (pos_ == end_) return false;
        line = std::string_view(buf_.data() + pos_, end_ - pos_);  // last line without '\n'
        consumed_ += end_ - pos_;
        pos_ = scan_ = end_;
        return true;
      }
      if (pos_ != 0) {
        std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
        end_ -= pos_;
        scan_ -= pos_;
        pos_ = 0;
      }
      if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
      const ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        eof_ = true;
        end_ = pos_;  // drop a partial line after a read error
        scan_ = end_;
        return false;
      }
      if (n == 0) eof_ = true;
      end_ += static_cast<std::size_t>(n);
    }
  }

  int error() const noexcept { return error_; }
  std::uint64_t consumed() const noexcept { return consumed_; }

 private:
  int fd_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;   // start of the next line
  std::size_t scan_ = 0;  // searched for '\n' up to here
  std::size_t end_ = 0;   // bytes in buf_
  bool eof_ = false;
  int error_ = 0;
  std::uint64_t consumed_ = 0;
};

struct LineRef {
  std::size_t offset;
  std::size_t length;
  std::size_t number;  // 1-based line number in the input
};

struct Chunk {
  std::uint64_t seq = 0;
  std::string data;  // the chunk's non-blank lines, back to back
  std::vector<LineRef> lines;
  std::uint64_t end_offset = 0;  // input bytes consumed up to the end of this chunk (progress)
  std::size_t last_line = 0;     // last input line number covered
  std::size_t records = 0;      // records evaluated into output
  std::string output;
  std::string errors;  // for stderr
  std::size_t error_count = 0;
  bool ready = false;
};

bool is_blank(std::string_view line) noexcept {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Fills `chunk` with up to max_lines records. Returns false when the input had nothing left.
bool fill_chunk(LineReader& reader, Chunk& chunk, std::size_t max_lines, std::size_t& line_number) {
  chunk.data.clear();
  chunk.lines.clear();
  bool any = false;
  std::string_view line;
  while (chunk.lines.size() < max_lines && chunk.data.size() < kMaxChunkBytes && reader.next(line)) {
    any = true;
    ++line_number;
    if (is_blank(line)) continue;
    chunk.lines.push_back({chunk.data.size(), line.size(), line_number});
    chunk.data.append(line);
  }
  chunk.records = chunk.lines.size();
  chunk.end_offset = reader.consumed();
  chunk.last_line = line_number;
  return any;
}

struct Context {
  const Policy* policy = nullptr;
  std::string input_name;
  bool csv = false;
  bool trace = false;
  RecordOptions record;
  const admit::Context* context = nullptr;  // the evaluation context every record is evaluated in
};

// Per-thread evaluation state, reused for every record.
struct Worker {
  explicit Worker(const Context& ctx) : applicant(*ctx.policy), json(*ctx.policy, ctx.record) {
    applicant.use_context(ctx.context);
  }
  Applicant applicant;
  Decision decision;
  DecisionJsonWriter json;
  BindError bind_error;
  std::string scratch;
};

void record_error(const Context& ctx, Chunk& chunk, std::size_t line, std::string_view masked_id,
                  const std::string& message) {
  if (ctx.csv) append_error_csv(chunk.output, masked_id, message, *ctx.policy, ctx.record);
  else append_error_json(chunk.output, line, masked_id, message);
  chunk.errors += fmt::format("{}:{}: error: {}\n", ctx.input_name, line, message);
  ++chunk.error_count;
}

// One record: its decision or its error, appended to the chunk's output.
void process_record(const Context& ctx, Chunk& chunk, Worker& w, std::string_view json, std::size_t line) {
  const Policy& policy = *ctx.policy;
  if (!w.applicant.bind_json(json, &w.bind_error)) {
    // Cold path: allocation is fine here.
    std::string masked;
    if (peek_record_id(json, w.scratch)) masked = mask_resident_id(w.scratch);
    record_error(ctx, chunk, line, masked, format_bind_error(w.bind_error));
    return;
  }
  if (ctx.trace) policy.evaluate_with_trace(w.applicant, w.decision);
  else policy.evaluate(w.applicant, w.decision);
  if (!w.decision.ok()) {
    record_error(ctx, chunk, line, mask_resident_id(w.applicant.id()), mask_ids_in_text(w.decision.error()));
    return;
  }
  if (ctx.csv) append_decision_csv(chunk.output, w.applicant.id(), policy, w.decision, ctx.record);
  else w.json.append(chunk.output, line, w.applicant.id(), w.decision);
}

void process_chunk(const Context& ctx, Chunk& chunk, Worker& w) {
  chunk.output.clear();
  chunk.errors.clear();
  chunk.error_count = 0;
  for (const LineRef& ref : chunk.lines)
    process_record(ctx, chunk, w, std::string_view(chunk.data.data() + ref.offset, ref.length), ref.number);
}

// Where results go, and the progress bar on stderr.
class Sink {
 public:
  Sink(std::FILE* out, bool progress, std::uint64_t input_size)
      : out_(out), progress_(progress), input_size_(input_size), start_(Clock::now()), last_draw_(start_) {}

  bool write(const Chunk& chunk) {
    if (!chunk.errors.empty()) {
      clear_progress();
      std::fwrite(chunk.errors.data(), 1, chunk.errors.size(), stderr);
    }
    errors_ += chunk.error_count;
    records_ += chunk.records;
    lines_ = chunk.last_line;
    bytes_ = chunk.end_offset;
    if (!write_all(out_, chunk.output)) return false;
    maybe_draw();
    return true;
  }

  void finish() { clear_progress(); }
  std::size_t records() const noexcept { return records_; }
  std::size_t errors() const noexcept { return errors_; }

 private:
  using Clock = std::chrono::steady_clock;

  void maybe_draw() {
    if (!progress_ || lines_ <= kProgressMinLines) return;
    const auto now = Clock::now();
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(records_) / seconds : 0.0;
    std::string bar;
    if (input_size_ != 0) {
      const double fraction = std::min(1.0, static_cast<double>(bytes_) / static_cast<double>(input_size_));
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      bar = fmt::format("[{}{}] {:3.0f}% ", std::string(static_cast<std::size_t>(filled), '#'),
                        std::string(static_cast<std::size_t>(kWidth - filled), ' '), fraction * 100);
    }
    std::fprintf(stderr, "\r%s%zu records, %.0f records/s\033[K", bar.c_str(), records_, rate);
    std::fflush(stderr);
  }

  void clear_progress() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

  std::FILE* out_;
  bool progress_;
  std::uint64_t input_size_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
  std::size_t records_ = 0;
  std::size_t errors_ = 0;
  std::size_t lines_ = 0;
  std::uint64_t bytes_ = 0;
};

// Single-threaded: each record is evaluated straight from the reader's buffer (not copied into a
// chunk), and the output goes to the sink every chunk_lines records or kMaxChunkBytes of output.
bool run_serial(const Context& ctx, LineReader& reader, Sink& sink, std::size_t chunk_lines) {
  Worker worker(ctx);
  Chunk chunk;
  std::size_t line_number = 0;
  std::string_view line;
  for (;;) {
    const bool more = reader.next(line);
    if (more) {
      ++line_number;
      if (is_blank(line)) continue;
      process_record(ctx, chunk, worker, line, line_number);
      ++chunk.records;
      if (chunk.records < chunk_lines && chunk.output.size() < kMaxChunkBytes) continue;
    }
    chunk.end_offset = reader.consumed();
    chunk.last_line = line_number;
    if (!sink.write(chunk)) return false;
    if (!more) return true;
    chunk.output.clear();
    chunk.errors.clear();
    chunk.error_count = 0;
    chunk.records = 0;
  }
}

// Reader thread -> worker threads -> this thread writes in order.
class Pipeline {
 public:
  Pipeline(const Context& ctx, LineReader& reader, Sink& sink, unsigned jobs, std::size_t chunk_lines)
      : ctx_(ctx), reader_(reader), sink_(sink), jobs_(jobs), chunk_lines_(chunk_lines) {
    const std::size_t pool = static_cast<std::size_t>(jobs) * 2 + 2;
    chunks_.reserve(pool);
    ring_.assign(pool, nullptr);
    for (std::size_t i = 0; i < pool; ++i) {
      chunks_.push_back(std::make_unique<Chunk>());
      free_.push_back(chunks_.back().get());
    }
  }

  /// False when writing failed.
  bool run() {
    std::vector<std::thread> threads;
    threads.reserve(jobs_ + 1);
    threads.emplace_back([this] { read_loop(); });
    for (unsigned i = 0; i < jobs_; ++i) threads.emplace_back([this] { work_loop(); });
    const bool ok = write_loop();
    for (std::thread& t : threads) t.join();
    return ok;
  }

 private:
  void read_loop() {
    std::size_t line_number = 0;
    for (std::uint64_t seq = 0;; ++seq) {
      Chunk* chunk = nullptr;
      {
        std::unique_lock lock(mutex_);
        free_cv_.wait(lock, [&] { return !free_.empty() || aborted_; });
        if (aborted_) break;
        chunk = free_.back();
        free_.pop_back();
      }
      // Reading happens outside the lock: the chunk belongs to this thread until queued.
      const bool more = fill_chunk(reader_, *chunk, chunk_lines_, line_number);
      std::lock_guard lock(mutex_);
      if (!more) {
        free_.push_back(chunk);
        break;
      }
      chunk->seq = seq;
      chunk->ready = false;
      ring_[seq % ring_.size()] = chunk;
      work_.push_back(chunk);
      ++total_;
      work_cv_.notify_one();
    }
    std::lock_guard lock(mutex_);
    reading_done_ = true;
    work_cv_.notify_all();
    done_cv_.notify_all();
  }

  void work_loop() {
    Worker worker(ctx_);
    for (;;) {
      Chunk* chunk = nullptr;
      {
        std::unique_lock lock(mutex_);
        work_cv_.wait(lock, [&] { return !work_.empty() || reading_done_ || aborted_; });
        if (aborted_ || work_.empty()) return;
        chunk = work_.front();
        work_.pop_front();
      }
      process_chunk(ctx_, *chunk, worker);
      std::lock_guard lock(mutex_);
      chunk->ready = true;
      if (chunk->seq == next_) done_cv_.notify_one();
    }
  }

  bool write_loop() {
    for (;;) {
      Chunk* chunk = nullptr;
      {
        std::unique_lock lock(mutex_);
        done_cv_.wait(lock, [&] {
          Chunk* c = ring_[next_ % ring_.size()];
          return (c != nullptr && c->seq == next_ && c->ready) || (reading_done_ && next_ == total_);
        });
        if (reading_done_ && next_ == total_) return true;
        chunk = ring_[next_ % ring_.size()];
      }
      const bool ok = sink_.write(*chunk);
      std::lock_guard lock(mutex_);
      ring_[next_ % ring_.size()] = nullptr;
      ++next_;
      free_.push_back(chunk);
      free_cv_.notify_one();
      if (!ok) {
        aborted_ = true;
        free_cv_.notify_all();
        work_cv_.notify_all();
        return false;
      }
    }
  }

  const Context& ctx_;
  LineReader& reader_;
  Sink& sink_;
  unsigned jobs_;
  std::size_t chunk_lines_;
  std::vector<std::unique_ptr<Chunk>> chunks_;

  std::mutex mutex_;
  std::condition_variable free_cv_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<Chunk*> free_;
  std::deque<Chunk*> work_;
  std::vector<Chunk*> ring_;  // chunks in flight, by seq % size (at most size of them exist)
  std::uint64_t total_ = 0;   // chunks queued so far
  std::uint64_t next_ = 0;    // next chunk to write
  bool reading_done_ = false;
  bool aborted_ = false;
};

}  // namespace

int run_eval(const EvalOptions& options) {
  if (options.trace && options.format == "csv") {
    std::fputs("admit eval: error: --trace needs --format jsonl\n", stderr);
    return kExitUsage;
  }
  const CompileResult compiled = compile_file(options.policy);
  if (!compiled.ok()) {
    std::fputs(render_text(compiled.diagnostics, RenderOptions{use_color(ColorMode::automatic, STDERR_FILENO)})
                   .c_str(),
               stderr);
    std::fprintf(stderr, "admit eval: error: %s: the policy has errors\n", options.policy.c_str());
    return kExitUsage;
  }

  int fd = STDIN_FILENO;
  if (options.applicants != "-") {
    fd = ::open(options.applicants.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::fprintf(stderr, "admit eval: error: %s: %s\n", options.applicants.c_str(), std::strerror(errno));
      return kExitUsage;
    }
  }
  struct stat st {};
  std::uint64_t input_size = 0;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      std::fprintf(stderr, "admit eval: error: %s: is a directory\n", options.applicants.c_str());
      if (fd != STDIN_FILENO) ::close(fd);
      return kExitUsage;
    }
    if (S_ISREG(st.st_mode)) input_size = static_cast<std::uint64_t>(st.st_size);
  }

  std::FILE* out = stdout;
  if (!options.out.empty() && options.out != "-") {
    out = std::fopen(options.out.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "admit eval: error: %s: %s\n", options.out.c_str(), std::strerror(errno));
      if (fd != STDIN_FILENO) ::close(fd);
      return kExitUsage;
    }
  }
  static char out_buffer[1 << 16];
  std::setvbuf(out, out_buffer, _IOFBF, sizeof out_buffer);

  admit::Context evaluation_context(*compiled.policy);
  if (std::string error; !load_context(options.context, evaluation_context, error)) {
    std::fprintf(stderr, "admit eval: error: %s\n", error.c_str());
    if (fd != STDIN_FILENO) ::close(fd);
    if (out != stdout) std::fclose(out);
    return kExitUsage;
  }
  Context ctx;
  ctx.policy = compiled.policy.get();
  ctx.context = &evaluation_context;
  ctx.input_name = display_name(options.applicants);
  ctx.csv = options.format == "csv";
  ctx.trace = options.trace;
  ctx.record.breakdown = options.breakdown;
  ctx.record.trace = options.trace;

  bool write_ok = true;
  if (ctx.csv) {
    std::string header;
    append_csv_header(header, *ctx.policy, ctx.record);
    write_ok = write_all(out, header);
  }

  const bool progress = options.progress == ProgressMode::always ||
                        (options.progress == ProgressMode::automatic && ::isatty(STDERR_FILENO) == 1);
  Sink sink(out, progress, input_size);
  LineReader reader(fd);
  unsigned jobs = options.jobs;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  if (write_ok) {
    if (jobs == 1) {
      write_ok = run_serial(ctx, reader, sink, options.chunk_lines);
    } else {
      Pipeline pipeline(ctx, reader, sink, jobs, options.chunk_lines);
      write_ok = pipeline.run();
    }
  }
  sink.finish();
  if (fd != STDIN_FILENO) ::close(fd);
  if (std::fflush(out) != 0) write_ok = false;
  if (out != stdout && std::fclose(out) != 0) write_ok = false;

  if (!write_ok) {
    std::fprintf(stderr, "admit eval: error: %s: cannot write the results\n",
                 options.out.empty() ? "<stdout>" : options.out.c_str());
    return kExitUsage;
  }
  if (reader.error() != 0) {
    std::fprintf(stderr, "admit eval: error: %s: %s\n", ctx.input_name.c_str(), std::strerror(reader.error()));
    return kExitUsage;
  }
  if (sink.errors() != 0) {
    std::fprintf(stderr, "admit eval: %zu of %zu records could not be evaluated\n", sink.errors(), sink.records());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace admit::internal::cli
