// admit_bench_emit POLICY NAME OUT.hpp: the policy's native header (admit::emit_cpp, the same code as
// `admit compile --emit cpp`), generated at build time so admit_bench can measure the native path.
#include <cstdio>
#include <fstream>

#include "admit/native.hpp"
#include "admit/policy.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs("usage: admit_bench_emit POLICY NAME OUT.hpp\n", stderr);
    return 1;
  }
  admit::CompileOptions options;
  options.load_sibling_tests = false;
  const admit::CompileResult compiled = admit::compile_file(argv[1], options);
  if (!compiled.ok()) {
    std::fputs(admit::render_text(compiled.diagnostics).c_str(), stderr);
    return 1;
  }
  const admit::EmitResult emitted = admit::emit_cpp(*compiled.policy, argv[2]);
  if (!emitted.ok) {
    std::fprintf(stderr, "admit_bench_emit: %s\n", emitted.error.c_str());
    return 1;
  }
  std::ofstream(argv[3], std::ios::binary) << emitted.code;
  return 0;
}
