#include "config/yaml_documents.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironlb::config {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

std::vector<Document> Read(const std::string& text, std::vector<Diagnostic>* diags) {
  return ReadYamlDocuments(text, "f.yaml", diags);
}

TEST(YamlDocumentsTest, DocumentsValuesAndLines) {
  std::vector<Diagnostic> d;
  auto docs = Read(R"(# comment
---
kind: A
spec:
  addresses:
  - 10.0.0.0/8
  - "2001:db8::/64"
  n: 5
  quoted: "5"
  flag: true
  none: ~
---
---
kind: B
)",
                   &d);
  ASSERT_THAT(d, SizeIs(0));
  ASSERT_THAT(docs, SizeIs(2));
  EXPECT_EQ(docs[0].object["spec"]["addresses"][1], "2001:db8::/64");
  EXPECT_EQ(docs[0].object["spec"]["n"], 5);
  EXPECT_EQ(docs[0].object["spec"]["quoted"], "5");
  EXPECT_EQ(docs[0].object["spec"]["flag"], true);
  EXPECT_TRUE(docs[0].object["spec"]["none"].is_null());
  EXPECT_EQ(docs[0].LineOf("/spec/addresses/1"), 7);
  EXPECT_EQ(docs[0].LineOf("/spec/n"), 8);
  EXPECT_EQ(docs[0].LineOf("/spec/n/deeper"), 8);
  EXPECT_EQ(docs[1].object["kind"], "B");
  EXPECT_EQ(docs[1].LineOf("/kind"), 14);
}

TEST(YamlDocumentsTest, AnchorsAndAliases) {
  std::vector<Diagnostic> d;
  auto docs = Read("base: &b {x: 1, y: [a, b]}\ncopy: *b\nname: &n hello\nagain: *n\n", &d);
  ASSERT_THAT(d, SizeIs(0));
  ASSERT_THAT(docs, SizeIs(1));
  EXPECT_EQ(docs[0].object["copy"], docs[0].object["base"]);
  EXPECT_EQ(docs[0].object["again"], "hello");
}

TEST(YamlDocumentsTest, AliasExpansionIsBounded) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  std::vector<Diagnostic> d;
  auto docs = Read(text, &d);
  EXPECT_THAT(docs, SizeIs(0));
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_THAT(d[0].message, HasSubstr("too many values"));
}

TEST(YamlDocumentsTest, DepthIsBounded) {
  std::vector<Diagnostic> d;
  auto docs = Read("a: " + std::string(200, '[') + std::string(200, ']') + "\n---\nkind: ok\n", &d);
  ASSERT_THAT(docs, SizeIs(1));
  EXPECT_EQ(docs[0].object["kind"], "ok");
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_THAT(d[0].message, HasSubstr("nested too deeply"));
}

TEST(YamlDocumentsTest, ProblemsAreDiagnostics) {
  struct Case {
    std::string text;
    std::string want;
  };
  for (
      const Case& c : std::vector<Case>{
          {"- a\n- b\n", "each YAML document must be an object"},
          {"? [a, b]\n: c\n", "a mapping key must be a plain word"},
          {"a: [unclosed\n", "not valid YAML"},
          {"a: *nowhere\n", "not valid YAML"},
          // yaml-cpp 0.7's LoadAll loops forever on these (jbeder/yaml-cpp#1319).
          {",", "not valid YAML"},
          {"\n,\n    ", "not valid YAML"},
          {R"({"apiVersiopace":"kube-system"},"spec":{"type":"LoadBalancer","ports":[{"port":53,"protocol":"UDP"}]}},
 {"apiapVersion":"v1","kiVersiind":"Servonice")",
           "not valid YAML"},
      }) {
    std::vector<Diagnostic> d;
    Read(c.text, &d);
    ASSERT_FALSE(d.empty()) << c.text;
    EXPECT_THAT(d[0].message, HasSubstr(c.want)) << c.text;
    EXPECT_TRUE(d[0].is_error());
  }
}

}  // namespace
}  // namespace ironlb::config
