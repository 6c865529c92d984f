#include "common/metrics.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersCountersGaugesAndHistogramsInTextFormat) {
  Registry r;
  auto& sent = r.AddCounter("ironlb_test_sent_total", "Packets sent.", {"iface", "kind"});
  sent.WithLabels({"eth0", "garp"}).Increment();
  sent.WithLabels({"eth0", "garp"}).Increment(2);
  auto& owned = r.AddGauge("ironlb_test_owned", "VIPs owned.\nSecond line \\ here.");
  owned.Get().Set(7);
  auto& lat = r.AddHistogram("ironlb_test_seconds", "Latency.", {}, {0.1, 1});
  lat.Get().Observe(0.05);
  lat.Get().Observe(0.5);
  lat.Get().Observe(5);

  const std::string text = r.Render();
  EXPECT_EQ(text,
            "# HELP ironlb_test_sent_total Packets sent.\n"
            "# TYPE ironlb_test_sent_total counter\n"
            "ironlb_test_sent_total{iface=\"eth0\",kind=\"garp\"} 3\n"
            "# HELP ironlb_test_owned VIPs owned.\\nSecond line \\\\ here.\n"
            "# TYPE ironlb_test_owned gauge\n"
            "ironlb_test_owned 7\n"
            "# HELP ironlb_test_seconds Latency.\n"
            "# TYPE ironlb_test_seconds histogram\n"
            "ironlb_test_seconds_bucket{le=\"0.1\"} 1\n"
            "ironlb_test_seconds_bucket{le=\"1\"} 2\n"
            "ironlb_test_seconds_bucket{le=\"+Inf\"} 3\n"
            "ironlb_test_seconds_sum 5.55\n"
            "ironlb_test_seconds_count 3\n");
}

TEST(MetricsTest, EscapesLabelValues) {
  Registry r;
  r.AddGauge("g", "h", {"reason"}).WithLabels({"say \"hi\"\n\\"}).Set(1);
  EXPECT_THAT(r.Render(), HasSubstr("g{reason=\"say \\\"hi\\\"\\n\\\\\"} 1\n"));
}

TEST(MetricsTest, CollectorsRunBeforeRenderAndRemoveDropsChildren) {
  Registry r;
  auto& g = r.AddGauge("pool_size", "Size.", {"pool"});
  int calls = 0;
  r.AddCollector([&] {
    ++calls;
    g.Clear();
    g.WithLabels({"lan"}).Set(calls);
  });
  EXPECT_THAT(r.Render(), HasSubstr("pool_size{pool=\"lan\"} 1\n"));
  EXPECT_THAT(r.Render(), HasSubstr("pool_size{pool=\"lan\"} 2\n"));
  auto& c = r.AddCounter("c", "C.", {"x"});
  c.WithLabels({"a"}).Increment();
  c.Remove({"a"});
  EXPECT_THAT(r.Render(), ::testing::Not(HasSubstr("c{x=\"a\"}")));
}

TEST(MetricsTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(0.25), "0.25");
}

}  // namespace
}  // namespace ironlb::metrics
