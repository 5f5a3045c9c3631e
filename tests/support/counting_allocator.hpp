#pragma once
// Replaces the global allocator with one that counts allocations while `counting` is set, for the
// tests that prove evaluation allocates nothing once warm. Include it in exactly one file of an
// executable of its own: the replacement applies to the whole program (and cannot run under ASan,
// whose allocator it would replace: scripts/test.sh leaves those tests out of the ASan pass).

#include <atomic>
#include <cstdlib>
#include <new>

namespace admit_test::allocations {
inline std::atomic<long> count{0};
inline std::atomic<bool> counting{false};
}  // namespace admit_test::allocations

void* operator new(std::size_t size) {
  if (admit_test::allocations::counting.load(std::memory_order_relaxed))
    admit_test::allocations::count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
