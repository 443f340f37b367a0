// Helpers shared by the hsconf parse and edit tests.
#pragma once

#include "common/model/hsconf.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/model/revision.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace osfleet::hsconf_test {

using ::testing::HasSubstr;

inline constexpr std::string_view kBom = "\xEF\xBB\xBF";

inline std::string ReadFixture(const std::string& name) {
  const std::string path = absl::StrCat(OSFLEET_FIXTURES_DIR, "/hsconf/", name, ".hsconf");
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline HsconfDocument ParseFixture(const std::string& name) {
  absl::StatusOr<HsconfDocument> doc = ParseHsconf(ReadFixture(name));
  EXPECT_TRUE(doc.ok()) << name << ": " << doc.status();
  return doc.ok() ? *std::move(doc) : HsconfDocument{};
}

inline size_t CountCrlf(std::string_view bytes) {
  size_t count = 0;
  for (size_t at = bytes.find("\r\n"); at != std::string_view::npos;
       at = bytes.find("\r\n", at + 2)) {
    ++count;
  }
  return count;
}

// A small hsconf whose platform <Server> element is given verbatim.
inline std::string MiniHsconf(const std::string& platform_server, const std::string& extra = "") {
  return absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<EnvironmentConfiguration>\n",
      "  <PlatformDatabaseConfiguration ProviderKey=\"SqlServer\">\n    ", platform_server,
      "\n  </PlatformDatabaseConfiguration>\n", extra,
      "  <LoggingDatabaseConfiguration ProviderKey=\"SqlServer\">\n",
      "    <Server encrypted=\"false\">log01</Server>\n  </LoggingDatabaseConfiguration>\n",
      "  <SessionDatabaseConfiguration ProviderKey=\"SqlServer\">\n",
      "    <Server encrypted=\"false\">sess01</Server>\n  </SessionDatabaseConfiguration>\n",
      "</EnvironmentConfiguration>\n");
}

inline absl::StatusOr<EditResult> EditOne(const HsconfDocument& doc, DatabaseId id,
                                          std::string address) {
  const std::vector<EndpointEdit> edits = {{id, std::move(address)}};
  return ApplyEdits(doc, edits);
}

// ----- Parsing the good fixtures ---------------------------------------------------------

}  // namespace osfleet::hsconf_test
