# Warnings for admit's own targets only: consumers' flags are theirs.
add_library(admit_warnings INTERFACE)
target_compile_options(admit_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
