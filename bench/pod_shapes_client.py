"""pod_shapes_client.py: the pod benchmark's second client, not Berth's.

Debian's python3-grpcio (gRPC C-core) with the api_pb2 module protoc makes
from proto/api.proto (test/support/third-party.ts criPythonModules), calling
methods by path as test/clients/python/cri_calls.py does. bench/pod-shapes.ts
drives it so its calls interleave with the TypeScript client's: one request
per line on stdin, one answer per line on stdout; timings are taken here,
around the gRPC calls, with time.perf_counter.

Request:  {"target": NAME, "pod": PodSandboxConfig JSON, "ctr": ContainerConfig JSON}
Answer:   {"run": ms, "create": ms, "start": ms, "stop": ms, "remove": ms} or {"error": "..."}

Usage: /usr/bin/python3 pod_shapes_client.py MODULE_DIR NAME=SOCKET...
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

import api_pb2 as pb  # noqa: E402

LIMIT = 16 * 1024 * 1024
TIMEOUT = 120


def stubs(socket):
    channel = grpc.insecure_channel(
        "unix:" + socket,
        options=[("grpc.max_receive_message_length", LIMIT), ("grpc.max_send_message_length", LIMIT)],
    )

    def unary(name, req_type, resp_type):
        return channel.unary_unary("/runtime.v1.RuntimeService/" + name, request_serializer=req_type.SerializeToString, response_deserializer=resp_type.FromString)

    return {
        "run": unary("RunPodSandbox", pb.RunPodSandboxRequest, pb.RunPodSandboxResponse),
        "create": unary("CreateContainer", pb.CreateContainerRequest, pb.CreateContainerResponse),
        "start": unary("StartContainer", pb.StartContainerRequest, pb.StartContainerResponse),
        "stop": unary("StopPodSandbox", pb.StopPodSandboxRequest, pb.StopPodSandboxResponse),
        "remove": unary("RemovePodSandbox", pb.RemovePodSandboxRequest, pb.RemovePodSandboxResponse),
        "version": unary("Version", pb.VersionRequest, pb.VersionResponse),
    }


def cycle(s, pod, ctr):
    """The same calls as bench/support/pod-cycle.ts startPod + stopPod."""
    t = {}
    t0 = time.perf_counter()
    pod_id = s["run"](pb.RunPodSandboxRequest(config=pod), timeout=TIMEOUT).pod_sandbox_id
    t1 = time.perf_counter()
    ctr_id = s["create"](pb.CreateContainerRequest(pod_sandbox_id=pod_id, config=ctr, sandbox_config=pod), timeout=TIMEOUT).container_id
    t2 = time.perf_counter()
    s["start"](pb.StartContainerRequest(container_id=ctr_id), timeout=TIMEOUT)
    t3 = time.perf_counter()
    s["stop"](pb.StopPodSandboxRequest(pod_sandbox_id=pod_id), timeout=TIMEOUT)
    t4 = time.perf_counter()
    s["remove"](pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id), timeout=TIMEOUT)
    t5 = time.perf_counter()
    for k, a, b in (("run", t0, t1), ("create", t1, t2), ("start", t2, t3), ("stop", t3, t4), ("remove", t4, t5)):
        t[k] = (b - a) * 1000
    return t


def main():
    targets = {}
    for arg in sys.argv[2:]:
        name, socket = arg.split("=", 1)
        targets[name] = stubs(socket)
        # Connect before the first timed call, as the TypeScript client's first call does in a warm-up.
        targets[name]["version"](pb.VersionRequest(version="v1"), timeout=TIMEOUT)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            pod = json_format.ParseDict(req["pod"], pb.PodSandboxConfig())
            ctr = json_format.ParseDict(req["ctr"], pb.ContainerConfig())
            answer = cycle(targets[req["target"]], pod, ctr)
        except grpc.RpcError as e:
            answer = {"error": "%s: %s" % (e.code().name, e.details())}
        except Exception as e:  # noqa: BLE001 - the driver reports it and stops
            answer = {"error": repr(e)}
        print(json.dumps(answer), flush=True)


main()
