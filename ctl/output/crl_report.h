// How `osctl pki revoke` and `osctl pki crl` print: the files written, the certificate just
// revoked, the CRL (number, issuer, validity) and every revoked certificate; or as JSON.
#pragma once

#include <string>

#include "ctl/output/output_format.h"
#include "ctl/pki/pki.h"

namespace osfleet::ctl {

void PrintCrlResult(OutputFormat format, bool color, const std::string& command,
                    const pki::CrlResult& result);

}  // namespace osfleet::ctl
