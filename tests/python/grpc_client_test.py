#!/usr/bin/python3
"""A client that is not ours: Python stubs generated from protos/ (Debian's protoc,
grpc_python_plugin and python3-grpcio) call a real osagent. Also checks the standard
health and reflection services that grpcurl, grpcui and evans rely on.

Environment: OSFLEET_BIN_DIR (osagent), OSFLEET_SOURCE_DIR (protos/, tests/fixtures/).
"""
import hashlib
import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BIN_DIR = os.environ["OSFLEET_BIN_DIR"]
SOURCE_DIR = os.environ["OSFLEET_SOURCE_DIR"]
GRPC_PROTO_DIR = "/usr/share/grpc-proto"
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "hsconf")


def generate_stubs(work_dir):
    """Generates Python modules for our protos and for gRPC's health and reflection
    protos. The latter are copied under "stdgrpc/" so that their modules do not collide
    with the installed `grpc` package (their proto package names stay the same)."""
    out_dir = os.path.join(work_dir, "gen")
    std_dir = os.path.join(work_dir, "std", "stdgrpc")
    os.makedirs(out_dir)
    os.makedirs(std_dir)
    shutil.copyfile(os.path.join(GRPC_PROTO_DIR, "grpc/health/v1/health.proto"),
                    os.path.join(std_dir, "health.proto"))
    shutil.copyfile(os.path.join(GRPC_PROTO_DIR, "grpc/reflection/v1alpha/reflection.proto"),
                    os.path.join(std_dir, "reflection.proto"))
    shutil.copyfile(os.path.join(GRPC_PROTO_DIR, "grpc/reflection/v1/reflection.proto"),
                    os.path.join(std_dir, "reflection_v1.proto"))
    protos = [os.path.join("osfleet", "v1", p) for p in
              ("types.proto", "agent.proto", "endpoints.proto", "services.proto")]
    subprocess.run(
        ["protoc", "-I", os.path.join(SOURCE_DIR, "protos"), "-I", os.path.dirname(std_dir),
         "--python_out", out_dir, "--grpc_out", out_dir,
         "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", *protos,
         "stdgrpc/health.proto", "stdgrpc/reflection.proto", "stdgrpc/reflection_v1.proto"],
        check=True)
    sys.path.insert(0, out_dir)


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


class AgentProcess:
    """A real osagent on 127.0.0.1:0 serving a copy of a fixture."""

    def __init__(self, workdir, fixture, hsconf_bytes=None, config_yaml=None):
        self.hsconf = os.path.join(workdir, "server.hsconf")
        shutil.copyfile(os.path.join(FIXTURES, fixture), self.hsconf)
        if hsconf_bytes is not None:
            with open(self.hsconf, "wb") as f:
                f.write(hsconf_bytes)
        port_file = os.path.join(workdir, "port")
        extra = []
        if config_yaml is not None:
            config = os.path.join(workdir, "agent.yaml")
            with open(config, "w", encoding="utf-8") as f:
                f.write(config_yaml)
            extra = ["--config", config]
        self.proc = subprocess.Popen(
            [os.path.join(BIN_DIR, "osagent"), "--listen", "127.0.0.1:0", "--port-file",
             port_file, "--hsconf", self.hsconf, "--state-dir", os.path.join(workdir, "state"),
             "--role", "front_end", "--name", "fe01", "--insecure", *extra],
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not read_text(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("osagent did not start")
            time.sleep(0.005)  # polling a condition, not synchronising on time
        self.address = "127.0.0.1:" + read_text(port_file)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


class GeneratedClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="osfleet-py-")
        generate_stubs(cls.tmp)
        import grpc
        cls.grpc = grpc
        cls.types_pb2 = importlib.import_module("osfleet.v1.types_pb2")
        cls.endpoints_pb2 = importlib.import_module("osfleet.v1.endpoints_pb2")
        cls.endpoints_grpc = importlib.import_module("osfleet.v1.endpoints_pb2_grpc")
        cls.agent_pb2 = importlib.import_module("osfleet.v1.agent_pb2")
        cls.agent_grpc = importlib.import_module("osfleet.v1.agent_pb2_grpc")
        cls.services_pb2 = importlib.import_module("osfleet.v1.services_pb2")
        cls.services_grpc = importlib.import_module("osfleet.v1.services_pb2_grpc")
        cls.health_pb2 = importlib.import_module("stdgrpc.health_pb2")
        cls.health_grpc = importlib.import_module("stdgrpc.health_pb2_grpc")
        cls.refl_pb2 = importlib.import_module("stdgrpc.reflection_pb2")
        cls.refl_grpc = importlib.import_module("stdgrpc.reflection_pb2_grpc")
        cls.refl_v1_pb2 = importlib.import_module("stdgrpc.reflection_v1_pb2")
        cls.refl_v1_grpc = importlib.import_module("stdgrpc.reflection_v1_pb2_grpc")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start(self, fixture, **kwargs):
        workdir = tempfile.mkdtemp(dir=self.tmp)
        agent = AgentProcess(workdir, fixture, **kwargs)
        self.addCleanup(agent.stop)
        channel = self.grpc.insecure_channel(agent.address)
        self.addCleanup(channel.close)
        return agent, channel

    def test_get_returns_the_file_revision_and_addresses(self):
        agent, channel = self.start("sqlserver-fe-named-instance.hsconf")
        stub = self.endpoints_grpc.EndpointsStub(channel)
        resp = stub.Get(self.endpoints_pb2.GetEndpointsRequest(), timeout=10)
        with open(agent.hsconf, "rb") as f:
            self.assertEqual(resp.revision, hashlib.sha256(f.read()).hexdigest())
        platform = resp.endpoints[0]
        self.assertEqual(platform.database, self.types_pb2.DATABASE_PLATFORM)
        self.assertEqual(platform.address, "SQLPROD01\\OUTSYS")
        self.assertEqual(platform.sql_server.instance, "OUTSYS")
        self.assertEqual(resp.endpoints[2].sql_server.port, 14330)

    def test_set_from_python_changes_the_file(self):
        agent, channel = self.start("oracle.hsconf")
        stub = self.endpoints_grpc.EndpointsStub(channel)
        rev = stub.Get(self.endpoints_pb2.GetEndpointsRequest(), timeout=10).revision
        req = self.endpoints_pb2.SetEndpointsRequest(
            expected_revision=rev,
            changes=[self.endpoints_pb2.EndpointChange(
                database=self.types_pb2.DATABASE_SESSION, address="ora-new:1523/OSSESS2")])
        resp = stub.Set(req, timeout=10)
        self.assertEqual(resp.state, self.endpoints_pb2.CHANGE_STATE_APPLIED)
        with open(agent.hsconf, encoding="utf-8-sig") as f:
            text = f.read()
        self.assertIn("<Host encrypted=\"false\">ora-new</Host>", text)
        self.assertIn("<Port encrypted=\"false\">1523</Port>", text)
        with self.assertRaises(self.grpc.RpcError) as err:
            stub.Set(req, timeout=10)  # same, now stale, revision
        self.assertEqual(err.exception.code(), self.grpc.StatusCode.ABORTED)

    def test_health_is_serving_once_the_file_was_read(self):
        _, channel = self.start("azuresql.hsconf")
        health = self.health_grpc.HealthStub(channel)
        resp = health.Check(self.health_pb2.HealthCheckRequest(), timeout=10)
        self.assertEqual(resp.status, self.health_pb2.HealthCheckResponse.SERVING)

    def test_health_is_not_serving_when_the_file_is_bad(self):
        _, channel = self.start("bad-truncated.hsconf")
        health = self.health_grpc.HealthStub(channel)
        resp = health.Check(self.health_pb2.HealthCheckRequest(), timeout=10)
        self.assertEqual(resp.status, self.health_pb2.HealthCheckResponse.NOT_SERVING)
        stub = self.endpoints_grpc.EndpointsStub(channel)
        with self.assertRaises(self.grpc.RpcError) as err:
            stub.Get(self.endpoints_pb2.GetEndpointsRequest(), timeout=10)
        self.assertEqual(err.exception.code(), self.grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("not well-formed XML", err.exception.details())

    def test_reflection_lists_the_services(self):
        _, channel = self.start("sqlserver-dc.hsconf")
        stub = self.refl_grpc.ServerReflectionStub(channel)
        request = self.refl_pb2.ServerReflectionRequest(list_services="*")
        responses = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
        names = {s.name for s in responses[0].list_services_response.service}
        self.assertLessEqual({"osfleet.v1.Agent", "osfleet.v1.Endpoints",
                              "grpc.health.v1.Health"}, names)
        request = self.refl_pb2.ServerReflectionRequest(
            file_containing_symbol="osfleet.v1.Endpoints")
        responses = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
        self.assertTrue(responses[0].file_descriptor_response.file_descriptor_proto)

    def test_reflection_v1_describes_the_health_service_on_one_stream(self):
        # What current grpcurl and grpcui do: v1 first, several requests on one stream.
        from google.protobuf import descriptor_pb2
        _, channel = self.start("sqlserver-dc.hsconf")
        stub = self.refl_v1_grpc.ServerReflectionStub(channel)
        pb2 = self.refl_v1_pb2
        requests = [pb2.ServerReflectionRequest(list_services="*"),
                    pb2.ServerReflectionRequest(file_containing_symbol="grpc.health.v1.Health"),
                    pb2.ServerReflectionRequest(list_services="*")]
        responses = list(stub.ServerReflectionInfo(iter(requests), timeout=10))
        self.assertEqual(len(responses), 3)
        names = [s.name for s in responses[0].list_services_response.service]
        self.assertIn("grpc.reflection.v1.ServerReflection", names)
        self.assertEqual(responses[0], responses[2])
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in responses[1].file_descriptor_response.file_descriptor_proto]
        self.assertEqual(files[0].name, "grpc/health/v1/health.proto")
        self.assertEqual([m.name for m in files[0].service[0].method], ["Check", "Watch"])

    def test_answers_are_valid_utf8_when_files_and_services_are_not(self):
        # A catalog saved in Windows-1252 and a service whose control command writes in its
        # code page (a cut character at the end): proto3 strings must still be UTF-8, or
        # this client's parser refuses the answers.
        with open(os.path.join(FIXTURES, "sqlserver-dc.hsconf"), "rb") as f:
            hsconf = f.read().replace(b">outsystems<", b">caf\xe9<", 1)
        config = ("services:\n"
                  "  - name: OutSystems Scheduler Service\n"
                  "    backend: command\n"
                  "    start: \"printf '\\\\377\\\\376 caf\\\\303'; exit 1\"\n"
                  "    stop: \"true\"\n"
                  "    status: \"printf '\\\\351'; exit 3\"\n"
                  "    start_timeout: 10s\n")
        _, channel = self.start("sqlserver-dc.hsconf", hsconf_bytes=hsconf, config_yaml=config)
        endpoints = self.endpoints_grpc.EndpointsStub(channel)
        got = endpoints.Get(self.endpoints_pb2.GetEndpointsRequest(), timeout=10)
        self.assertEqual(got.endpoints[0].catalog, "caf\ufffd")
        self.assertEqual(got.endpoints[0].raw["Server"], "SQLPROD01.corp.example.com")

        info = self.agent_grpc.AgentStub(channel).GetInfo(
            self.agent_pb2.GetInfoRequest(), timeout=10)
        self.assertEqual(info.name, "fe01")
        self.assertTrue(info.hostname)

        services = self.services_grpc.ServicesStub(channel)
        listed = services.List(self.services_pb2.ListServicesRequest(), timeout=10)
        self.assertEqual(len(listed.services), 1)
        events = []
        with self.assertRaises(self.grpc.RpcError) as err:
            for event in services.Control(self.services_pb2.ControlServicesRequest(
                    action=self.services_pb2.SERVICE_ACTION_RESTART), timeout=30):
                events.append(event)
        self.assertEqual(err.exception.code(), self.grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("\ufffd\ufffd caf\ufffd", err.exception.details())
        self.assertTrue(any("\ufffd" in e.detail for e in events), events)

        req = self.endpoints_pb2.SetEndpointsRequest(
            expected_revision=got.revision, restart_services=True, reason="r\u00e9seau",
            changes=[self.endpoints_pb2.EndpointChange(
                database=self.types_pb2.DATABASE_LOGGING, address="sqlnew01")])
        try:
            endpoints.Set(req, timeout=30)
        except self.grpc.RpcError as e:  # the restart failed: the file was restored
            self.assertIn("\ufffd", e.details())
        backups = endpoints.ListBackups(self.endpoints_pb2.ListBackupsRequest(), timeout=10)
        self.assertGreaterEqual(len(backups.backups), 1)
        self.assertTrue(any("r\u00e9seau" in b.reason for b in backups.backups), backups)


if __name__ == "__main__":
    unittest.main(verbosity=2)
