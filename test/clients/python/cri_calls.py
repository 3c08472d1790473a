"""cri_calls.py: a third-party gRPC client for Berth's tests.

Debian's python3-grpcio (the gRPC C-core HTTP/2 stack, unlike gRPC-Go's and
Berth's own) with the api_pb2 module protoc generates from proto/api.proto.
Methods are called by their paths, so no generated service stubs are needed.

It runs a pod's life with unary calls and the server-streaming ones
(GetContainerEvents kept open on a thread, the Stream* list RPCs), plus
malformed requests, and writes one JSON report on fd 3 (proto3 JSON of each
answer, status codes and messages); the test judges it.

Usage: /usr/bin/python3 cri_calls.py MODULE_DIR SOCKET IMAGE POD_JSON CTR_JSON
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

import api_pb2 as pb  # noqa: E402

SOCKET, IMAGE, POD_JSON, CTR_JSON = sys.argv[2:6]
LIMIT = 16 * 1024 * 1024

report = {"responses": {}, "codes": {}, "messages": {}, "streams": {}, "events": []}
lock = threading.Lock()


def as_json(msg):
    return json_format.MessageToDict(msg)


def method(service, name, request, response, streaming=False):
    path = "/runtime.v1.%s/%s" % (service, name)
    make = channel.unary_stream if streaming else channel.unary_unary
    return make(path, request_serializer=request.SerializeToString, response_deserializer=response.FromString)


def rt(name, req, resp_type, keep=None, timeout=120):
    """A RuntimeService unary call; the answer is kept under `keep`, a failure's code always."""
    return unary("RuntimeService", name, req, resp_type, keep, timeout)


def img(name, req, resp_type, keep=None, timeout=120):
    return unary("ImageService", name, req, resp_type, keep, timeout)


def unary(service, name, req, resp_type, keep, timeout):
    key = keep or name
    try:
        resp = method(service, name, type(req), resp_type)(req, timeout=timeout)
    except grpc.RpcError as e:
        report["codes"][key] = e.code().name
        report["messages"][key] = e.details()
        return None
    report["codes"][key] = "OK"
    if keep:
        report["responses"][keep] = as_json(resp)
    return resp


def stream_all(name, req, resp_type, field):
    """A server-streaming list: how many messages, and every item's id."""
    call = method("RuntimeService", name, type(req), resp_type, streaming=True)
    messages, ids = 0, []
    try:
        for resp in call(req, timeout=60):
            messages += 1
            for item in getattr(resp, field):
                ids.append(item.id)
        report["codes"][name] = "OK"
    except grpc.RpcError as e:
        report["codes"][name] = e.code().name
        report["messages"][name] = e.details()
    report["streams"][name] = {"messages": messages, "ids": ids}


def watch_events(call):
    try:
        for ev in call:
            with lock:
                report["events"].append(as_json(ev))
        report["codes"]["eventsEnd"] = "OK"
    except grpc.RpcError as e:
        report["codes"]["eventsEnd"] = e.code().name


def load(path, msg):
    with open(path) as f:
        return json_format.Parse(f.read(), msg, ignore_unknown_fields=False)


def wait_for_event(container_id, event_type):
    for _ in range(100):
        with lock:
            if any(e.get("containerId") == container_id and e.get("containerEventType") == event_type for e in report["events"]):
                return
        time.sleep(0.1)


channel = grpc.insecure_channel(
    "unix:" + SOCKET,
    options=[("grpc.max_receive_message_length", LIMIT), ("grpc.max_send_message_length", LIMIT)],
)


def main():
    pod = load(POD_JSON, pb.PodSandboxConfig())
    ctr = load(CTR_JSON, pb.ContainerConfig())
    ctr.image.image = IMAGE

    rt("Version", pb.VersionRequest(version="v1"), pb.VersionResponse, keep="version")
    rt("Status", pb.StatusRequest(), pb.StatusResponse, keep="status")
    img("ImageFsInfo", pb.ImageFsInfoRequest(), pb.ImageFsInfoResponse, keep="imageFsInfo")

    events_call = method("RuntimeService", "GetContainerEvents", pb.GetEventsRequest, pb.ContainerEventResponse, streaming=True)(pb.GetEventsRequest())
    watcher = threading.Thread(target=watch_events, args=(events_call,), daemon=True)
    watcher.start()

    pulled = img("PullImage", pb.PullImageRequest(image=pb.ImageSpec(image=IMAGE), sandbox_config=pod), pb.PullImageResponse, keep="pullImage")
    run = rt("RunPodSandbox", pb.RunPodSandboxRequest(config=pod), pb.RunPodSandboxResponse, keep="runPodSandbox")
    if not pulled or not run:
        raise SystemExit("pull or run failed")
    created = rt("CreateContainer", pb.CreateContainerRequest(pod_sandbox_id=run.pod_sandbox_id, config=ctr, sandbox_config=pod), pb.CreateContainerResponse, keep="createContainer")
    if not created:
        raise SystemExit("create failed")
    cid = created.container_id
    rt("StartContainer", pb.StartContainerRequest(container_id=cid), pb.StartContainerResponse)
    rt("ContainerStatus", pb.ContainerStatusRequest(container_id=cid), pb.ContainerStatusResponse, keep="containerStatus")
    rt("PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=run.pod_sandbox_id, verbose=True), pb.PodSandboxStatusResponse, keep="podSandboxStatus")
    rt("ExecSync", pb.ExecSyncRequest(container_id=cid, cmd=["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=30), pb.ExecSyncResponse, keep="execSync")

    stream_all("StreamContainers", pb.StreamContainersRequest(), pb.StreamContainersResponse, "containers")
    stream_all("StreamPodSandboxes", pb.StreamPodSandboxesRequest(), pb.StreamPodSandboxesResponse, "pod_sandboxes")

    # Malformed or impossible requests: a precise status naming the field.
    rt("ContainerStatus", pb.ContainerStatusRequest(container_id="no-such-container"), pb.ContainerStatusResponse, keep="missingContainer")
    rt("CreateContainer", pb.CreateContainerRequest(pod_sandbox_id="no-such-pod", config=ctr, sandbox_config=pod), pb.CreateContainerResponse, keep="createInMissingPod")
    rt("RunPodSandbox", pb.RunPodSandboxRequest(config=pb.PodSandboxConfig()), pb.RunPodSandboxResponse, keep="runWithoutMetadata")
    rt("RunPodSandbox", pb.RunPodSandboxRequest(config=pod, runtime_handler="no-such-handler"), pb.RunPodSandboxResponse, keep="unknownHandler")

    rt("StopContainer", pb.StopContainerRequest(container_id=cid, timeout=10), pb.StopContainerResponse)
    rt("ContainerStatus", pb.ContainerStatusRequest(container_id=cid), pb.ContainerStatusResponse, keep="containerStatusStopped")
    rt("RemoveContainer", pb.RemoveContainerRequest(container_id=cid), pb.RemoveContainerResponse)
    wait_for_event(cid, "CONTAINER_DELETED_EVENT")
    rt("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=run.pod_sandbox_id), pb.StopPodSandboxResponse)
    rt("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=run.pod_sandbox_id), pb.RemovePodSandboxResponse)
    # Idempotent, as the kubelet relies on.
    rt("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=run.pod_sandbox_id), pb.RemovePodSandboxResponse, keep="removeAgain")
    rt("ListPodSandbox", pb.ListPodSandboxRequest(), pb.ListPodSandboxResponse, keep="podsAfter")

    events_call.cancel()
    watcher.join(10)
    report["ids"] = {"pod": run.pod_sandbox_id, "container": cid}


try:
    main()
except BaseException as e:  # the report says how far it got
    report["error"] = repr(e)
finally:
    with os.fdopen(3, "w") as out:
        json.dump(report, out)
sys.exit(1 if "error" in report else 0)
