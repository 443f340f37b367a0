#include "tests/integration/openssl_pki.h"

#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace osfleet::testing {

OpensslPki::OpensslPki(std::string dir, const std::string& ca_name) : dir_(std::move(dir)) {
  RunProgram({"/bin/mkdir", "-p", dir_});
  Run({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", Path("ca.key"), "-out", Path("ca.pem"), "-days", "2", "-subj", "/CN=" + ca_name});
}

void OpensslPki::Issue(const std::string& name, const std::string& ou) {
  const std::string subj = (ou.empty() ? "" : "/OU=" + ou) + "/CN=" + name;
  Run({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
       Path(name + ".key"), "-out", Path(name + ".csr"), "-subj", subj});
  WriteFile(Path(name + ".ext"), "subjectAltName=DNS:" + name + "\n");
  Run({"x509", "-req", "-in", Path(name + ".csr"), "-CA", Path("ca.pem"), "-CAkey", Path("ca.key"),
       "-CAcreateserial", "-out", Path(name + ".pem"), "-days", "2", "-extfile",
       Path(name + ".ext")});
}

void OpensslPki::Run(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  ProcessResult r = RunProgram(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace osfleet::testing
