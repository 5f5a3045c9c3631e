#include "util/did_you_mean.hpp"

#include <catch2/catch.hpp>

#include <string_view>
#include <vector>

using admit::internal::did_you_mean;
using admit::internal::edit_distance;

TEST_CASE("edit_distance is the optimal string alignment distance in code points", "[did_you_mean]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("grade_level", "grade_levle") == 1);  // one transposition
  CHECK(edit_distance("ca", "abc") == 3);                   // OSA, not unrestricted Damerau-Levenshtein
  CHECK(edit_distance("户籍", "户口") == 1);                 // one Chinese character, not three bytes
  CHECK(edit_distance("户籍", "籍户") == 1);
}

TEST_CASE("did_you_mean suggests the closest candidate", "[did_you_mean]") {
  const std::vector<std::string_view> facts = {"hukou.zone", "hukou.years", "age", "property.kind", "grade_level"};
  CHECK(did_you_mean("hukou.zon", facts) == "hukou.zone");
  CHECK(did_you_mean("hukuo.zone", facts) == "hukou.zone");  // transposition
  CHECK(did_you_mean("grade_levle", facts) == "grade_level");
  CHECK(did_you_mean("ag", facts) == "age");       // short words still allow one edit
  CHECK(did_you_mean("agee", facts) == "age");
  CHECK(did_you_mean("income", facts).empty());  // nothing close
  CHECK(did_you_mean("hukou.z", facts).empty());  // 3 edits > 7 / 3
  CHECK(did_you_mean("", facts).empty());
  CHECK(did_you_mean("age", facts).empty());  // the word itself is not a suggestion
  CHECK(did_you_mean("anything", {}).empty());
}

TEST_CASE("did_you_mean threshold is max(1, length / 3)", "[did_you_mean]") {
  CHECK(did_you_mean("abcdef", {"abcxyz"}).empty());         // 3 edits > 2
  CHECK(did_you_mean("abcdef", {"abcdxy"}) == "abcdxy");     // 2 edits <= 2
  CHECK(did_you_mean("abcdefghi", {"abcdefxyz"}) == "abcdefxyz");  // 3 edits <= 3
  CHECK(did_you_mean("ab", {"xy"}).empty());
  CHECK(did_you_mean("ab", {"ax"}) == "ax");
}

TEST_CASE("did_you_mean breaks ties by candidate order", "[did_you_mean]") {
  CHECK(did_you_mean("cat", {"bat", "cut", "car"}) == "bat");
  CHECK(did_you_mean("cat", {"cut", "bat"}) == "cut");
  CHECK(did_you_mean("cats", {"bats", "cat"}) == "bats");  // both 1 edit: first wins
  CHECK(did_you_mean("cats", {"dogs", "cat"}) == "cat");    // closer beats earlier
}

TEST_CASE("did_you_mean maps '_' and '.' and ignores case", "[did_you_mean]") {
  CHECK(did_you_mean("hukou_zone", {"hukou.zone"}) == "hukou.zone");
  CHECK(did_you_mean("a.b.c.d", {"a_b_c_d"}) == "a_b_c_d");  // 3 edits apart, still suggested
  CHECK(did_you_mean("HUKOU", {"hukou"}) == "hukou");
  CHECK(did_you_mean("Hukou_Zone", {"hukou.zona", "hukou.zone"}) == "hukou.zone");  // preferred to a closer typo
  CHECK(did_you_mean("ab", {"Ab"}) == "Ab");
}

TEST_CASE("did_you_mean handles Chinese names", "[did_you_mean]") {
  const std::vector<std::string_view> zones = {"城区", "乡镇", "开发区"};
  CHECK(did_you_mean("城内", zones) == "城区");
  CHECK(did_you_mean("开发", zones) == "开发区");
  CHECK(did_you_mean("农村", zones).empty());
}
