// How `osctl pki` prints: the files it wrote (path, mode, what they hold) and a
// certificate's subject, role, names, validity and fingerprint; or the same as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ctl/output/output_format.h"
#include "ctl/pki/certificate_info.h"
#include "ctl/pki/pki.h"

namespace osfleet::ctl {

nlohmann::json CertificateJson(const pki::CertificateInfo& certificate);
// "subject     CN=...\n" and so on; an expired certificate says so in red.
std::string CertificateLines(const pki::CertificateInfo& certificate, bool color);

// pki init | issue: the files written, then the new certificate.
void PrintPkiResult(OutputFormat format, bool color, const std::string& command,
                    const pki::PkiResult& result);
// pki show: one certificate file.
void PrintCertificateFile(OutputFormat format, bool color, const std::string& file,
                          const pki::CertificateInfo& certificate);

}  // namespace osfleet::ctl
