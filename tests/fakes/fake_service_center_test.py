#!/usr/bin/python3
"""Self-test of tests/fakes/fake_service_center.py (stdlib only).

Run: /usr/bin/python3 tests/fakes/fake_service_center_test.py [-v]

The tests live in fake_sc_selftest/ beside this file:
  harness.py       the fake as a subprocess, its client calls, one fake per test class
  ok_mode.py       mode ok: Modules_Get, publish and poll, abort, faults, REST checks,
                   the request log
  modes.py         the other modes (warnings, errors, slow, endless, unauthorized,
                   malformed-xml, malformed-json) and HTTPS
  settings_cli.py  Apply Settings, the command line, SIGTERM/SIGINT
  dialects.py      each dialect by its WSDL (and the fixtures), --no-wsdl, refusals
"""

import os
import sys
import unittest

sys.dont_write_bytecode = True   # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# unittest.main() runs the test classes named here (DialectTestBase too: the dotnet
# dialect over SOAP 1.1, as it always has).
from fake_sc_selftest.dialects import (  # noqa: E402,F401
    DialectTestBase, DotnetDialectTest, NoWsdlTest, OutSystemsDialectTest,
    RefusedPublishTest, Soap12DialectTest)
from fake_sc_selftest.modes import (  # noqa: E402,F401
    EndlessModeTest, ErrorsModeTest, HttpsTest, MalformedJsonModeTest,
    MalformedXmlModeTest, SlowModeTest, UnauthorizedModeTest, WarningsModeTest)
from fake_sc_selftest.ok_mode import OkModeTest  # noqa: E402,F401
from fake_sc_selftest.settings_cli import (  # noqa: E402,F401
    LifecycleTest, SettingsAppliedTest, SettingsArgsTest)

if __name__ == "__main__":
    unittest.main()
