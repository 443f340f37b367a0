#include "tests/integration/openssl_pki.h"

#include <gtest/gtest.h>

#include "tests/integration/harness.h"

namespace osfleet::testing {

OpensslPki::OpensslPki(std::string dir, const std::string& ca_name) : dir_(std::move(dir)) {
  RunProgram({"/bin/mkdir", "-p", dir_});
  Run({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", Path("ca.key"), "-out", Path("ca.pem"), "-days", "2", "-subj", "/CN=" + ca_name});
}

void OpensslPki::Request(const std::string& name, const std::string& ou) {
  const std::string subj = (ou.empty() ? "" : "/OU=" + ou) + "/CN=" + name;
  Run({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
       Path(name + ".key"), "-out", Path(name + ".csr"), "-subj", subj});
  WriteFile(Path(name + ".ext"), "subjectAltName=DNS:" + name + "\n");
}

void OpensslPki::IssueValid(const std::string& name, const std::string& ou, absl::Time not_before,
                            absl::Time not_after) {
  Request(name, ou);
  const std::string db = Path(name + ".ca-db");
  RunProgram({"/bin/mkdir", "-p", db});
  WriteFile(db + "/index.txt", "");
  WriteFile(db + "/serial", "1000\n");
  WriteFile(db + "/ca.cnf", "[ca]\ndefault_ca = d\n[d]\ndatabase = " + db +
                                "/index.txt\nnew_certs_dir = " + db + "\nserial = " + db +
                                "/serial\ndefault_md = sha256\npolicy = p\n"
                                "unique_subject = no\n[p]\ncommonName = supplied\n"
                                "organizationalUnitName = optional\n");
  auto when = [](absl::Time t) {
    return absl::FormatTime("%Y%m%d%H%M%SZ", t, absl::UTCTimeZone());
  };
  Run({"ca", "-batch", "-notext", "-config", db + "/ca.cnf", "-cert", Path("ca.pem"), "-keyfile",
       Path("ca.key"), "-in", Path(name + ".csr"), "-out", Path(name + ".pem"), "-startdate",
       when(not_before), "-enddate", when(not_after), "-extfile", Path(name + ".ext")});
}

void OpensslPki::Issue(const std::string& name, const std::string& ou) {
  Request(name, ou);
  Run({"x509", "-req", "-in", Path(name + ".csr"), "-CA", Path("ca.pem"), "-CAkey", Path("ca.key"),
       "-CAcreateserial", "-out", Path(name + ".pem"), "-days", "2", "-extfile",
       Path(name + ".ext")});
}

void OpensslPki::Run(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  ProcessResult r = RunProgram(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::shared_ptr<grpc::Channel> OpensslPki::Channel(const std::string& who,
                                                   const std::string& address,
                                                   const std::string& server_name) const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(Path("ca.pem"));
  ssl.pem_cert_chain = ReadFile(Path(who + ".pem"));
  ssl.pem_private_key = ReadFile(Path(who + ".key"));
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(server_name);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

}  // namespace osfleet::testing
