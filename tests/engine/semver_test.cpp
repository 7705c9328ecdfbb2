#include "engine/semver.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace aurora::engine {
namespace {

int Cmp(std::string_view a, std::string_view b) {
  const auto va = ParseSemVer(a);
  const auto vb = ParseSemVer(b);
  EXPECT_TRUE(va.has_value()) << a;
  EXPECT_TRUE(vb.has_value()) << b;
  return va && vb ? CompareSemVer(*va, *vb) : 99;
}

TEST(SemVerTest, FollowsTheSemVer2PrecedenceExample) {
  const std::vector<std::string_view> ordered = {
      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1"};
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      const int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Cmp(ordered[i], ordered[j]), expected) << ordered[i] << " vs " << ordered[j];
    }
  }
}

TEST(SemVerTest, IgnoresBuildMetadata) {
  EXPECT_EQ(Cmp("1.0.0+a", "1.0.0+b.001"), 0);
  EXPECT_EQ(Cmp("1.0.0-rc.1+build.5", "1.0.0-rc.1"), 0);
}

TEST(SemVerTest, ComparesNumbersOfAnyLengthAsIntegers) {
  EXPECT_LT(Cmp("1.0.0-alpha.99999999999999999999", "1.0.0-alpha.100000000000000000000"), 0);
  EXPECT_GT(Cmp("18446744073709551616.0.0", "18446744073709551615.0.0"), 0);
  EXPECT_LT(Cmp("1.9.0", "1.10.0"), 0);
}

TEST(SemVerTest, RefusesAnythingOutsideTheStrictGrammar) {
  for (std::string_view bad : {"v1.0.0", "1.0", "1", "01.0.0", "1.00.0", "1.0.01", "1.0.0-", "1.0.0-01",
                               "1.0.0-alpha..1", "1.0.0+", "1.0.0+a..b", "1.0.0-al_pha", " 1.0.0", "1.0.0 ",
                               "", "1.0.0.0", "a.b.c", "1.0.0-α"}) {
    EXPECT_FALSE(ParseSemVer(bad).has_value()) << bad;
  }
}

TEST(SemVerTest, AcceptsValidForms) {
  for (std::string_view good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-0", "1.0.0-0a", "1.0.0-x-y-z.--",
                                "1.0.0+001", "1.0.0-alpha+sha.5114f85", "999999999999999999999.0.0"}) {
    EXPECT_TRUE(ParseSemVer(good).has_value()) << good;
  }
}

}  // namespace
}  // namespace aurora::engine
