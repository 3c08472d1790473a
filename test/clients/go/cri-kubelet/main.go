// cri-kubelet: a third-party gRPC client for Berth's tests. Debian's gRPC-Go
// (google.golang.org/grpc 1.33, golang/protobuf 1.3) with code protoc
// generates from proto/api.proto drives berthd the way a kubelet does:
//
//	start-up     Version → Status → RuntimeConfig → ImageFsInfo, and a
//	             GetContainerEvents stream kept open (evented PLEG)
//	pod          RunPodSandbox → PullImage → ImageStatus → CreateContainer →
//	             StartContainer
//	sync loop    ContainerStatus / PodSandboxStatus / ListContainers /
//	             ListContainerStats / ListPodSandbox / ImageStatus from many
//	             goroutines at once over one connection
//	edges        a 6 MiB ExecSync answer, a 3 MiB request, a 20 MiB request
//	             (over berthd's 16 MiB limit), a deadline that expires and a
//	             call cancelled mid-flight
//	restart      prints "ready-for-restart", waits for a line on stdin (the
//	             test restarts berthd meanwhile: GOAWAY / connection loss),
//	             then goes on over the same ClientConn (reconnect)
//	teardown     StopContainer → ContainerStatus → StopPodSandbox →
//	             RemovePodSandbox → ListPodSandbox
//
// It dials the socket path as its target, so gRPC-Go sends that path as the
// :authority (as the kubelets and crictl of its era do). Responses go into
// one JSON report on fd 3 (proto3 JSON of each response, plus codes); the
// test judges them.
//
// Usage: cri-kubelet -socket PATH -image REF -pod pod.json -container ctr.json
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	berthcri "berthcri" // generated from proto/api.proto at test time (package runtime_v1)

	"github.com/golang/protobuf/jsonpb"
	"github.com/golang/protobuf/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

const maxMsg = 16 << 20 // the kubelet's limit

type report struct {
	Steps     []string                   `json:"steps"`
	Responses map[string]json.RawMessage `json:"responses"`
	Codes     map[string]string          `json:"codes"`
	Messages  map[string]string          `json:"messages"`
	Numbers   map[string]int64           `json:"numbers"`
	Events    []json.RawMessage          `json:"events"`
	Events2   []json.RawMessage          `json:"eventsAfterRestart"`
	Error     string                     `json:"error,omitempty"`
}

var (
	rep = report{Responses: map[string]json.RawMessage{}, Codes: map[string]string{}, Messages: map[string]string{}, Numbers: map[string]int64{}}
	mu  sync.Mutex
	pbj = jsonpb.Marshaler{}
)

func keep(name string, m proto.Message) {
	s, err := pbj.MarshalToString(m)
	if err != nil {
		s = fmt.Sprintf("%q", err.Error())
	}
	mu.Lock()
	rep.Responses[name] = json.RawMessage(s)
	mu.Unlock()
}

func code(name string, err error) {
	mu.Lock()
	rep.Codes[name] = status.Code(err).String()
	if err != nil {
		rep.Messages[name] = status.Convert(err).Message()
	}
	mu.Unlock()
}

func step(s string) {
	mu.Lock()
	rep.Steps = append(rep.Steps, s)
	mu.Unlock()
}

func number(name string, n int64) {
	mu.Lock()
	rep.Numbers[name] = n
	mu.Unlock()
}

func main() {
	socket := flag.String("socket", "", "berthd's unix socket path")
	image := flag.String("image", "", "image to pull and run")
	podFile := flag.String("pod", "", "PodSandboxConfig, proto3 JSON")
	ctrFile := flag.String("container", "", "ContainerConfig, proto3 JSON")
	flag.Parse()
	err := drive(*socket, *image, *podFile, *ctrFile)
	if err != nil {
		rep.Error = err.Error()
	}
	if out := os.NewFile(3, "report"); out != nil {
		mu.Lock()
		_ = json.NewEncoder(out).Encode(rep)
		mu.Unlock()
	}
	if err != nil {
		os.Exit(1)
	}
}

func readJSON(path string, m proto.Message) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return (&jsonpb.Unmarshaler{}).Unmarshal(f, m)
}

// call runs one unary call with the kubelet's kind of deadline.
func call(timeout time.Duration, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return f(ctx)
}

func drive(socket, image, podFile, ctrFile string) error {
	podConfig := &berthcri.PodSandboxConfig{}
	if err := readJSON(podFile, podConfig); err != nil {
		return fmt.Errorf("pod config: %v", err)
	}
	ctrConfig := &berthcri.ContainerConfig{}
	if err := readJSON(ctrFile, ctrConfig); err != nil {
		return fmt.Errorf("container config: %v", err)
	}
	ctrConfig.Image = &berthcri.ImageSpec{Image: image}

	dialCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(dialCtx, socket,
		grpc.WithInsecure(),
		grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}),
		// The send limit is above berthd's so that the oversized request reaches it.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(64<<20)),
	)
	if err != nil {
		return fmt.Errorf("dial %s: %v", socket, err)
	}
	defer conn.Close()
	rt := berthcri.NewRuntimeServiceClient(conn)
	img := berthcri.NewImageServiceClient(conn)
	const rpcTimeout = 2 * time.Minute

	// --- start-up, as the kubelet does it
	step("startup")
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.Version(ctx, &berthcri.VersionRequest{Version: "v1"})
		if err == nil {
			keep("version", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("Version: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.Status(ctx, &berthcri.StatusRequest{Verbose: false})
		if err == nil {
			keep("status", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("Status: %v", err)
	}
	_ = call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.RuntimeConfig(ctx, &berthcri.RuntimeConfigRequest{})
		code("runtimeConfig", err)
		if err == nil {
			keep("runtimeConfig", r)
		}
		return nil
	})
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := img.ImageFsInfo(ctx, &berthcri.ImageFsInfoRequest{})
		if err == nil {
			keep("imageFsInfo", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("ImageFsInfo: %v", err)
	}

	// The evented PLEG's stream: open for the whole life of the connection.
	events1, _ := watchEvents(rt, &rep.Events)

	// --- the pod
	step("pod")
	var podID, ctrID string
	if err := call(4*time.Minute, func(ctx context.Context) error {
		r, err := rt.RunPodSandbox(ctx, &berthcri.RunPodSandboxRequest{Config: podConfig})
		if err == nil {
			podID = r.PodSandboxId
		}
		return err
	}); err != nil {
		return fmt.Errorf("RunPodSandbox: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := img.PullImage(ctx, &berthcri.PullImageRequest{Image: &berthcri.ImageSpec{Image: image}, SandboxConfig: podConfig})
		if err == nil {
			keep("pullImage", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("PullImage: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := img.ImageStatus(ctx, &berthcri.ImageStatusRequest{Image: &berthcri.ImageSpec{Image: image}})
		if err == nil {
			keep("imageStatus", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("ImageStatus: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.CreateContainer(ctx, &berthcri.CreateContainerRequest{PodSandboxId: podID, Config: ctrConfig, SandboxConfig: podConfig})
		if err == nil {
			ctrID = r.ContainerId
		}
		return err
	}); err != nil {
		return fmt.Errorf("CreateContainer: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		_, err := rt.StartContainer(ctx, &berthcri.StartContainerRequest{ContainerId: ctrID})
		return err
	}); err != nil {
		return fmt.Errorf("StartContainer: %v", err)
	}
	keepIDs(podID, ctrID)

	// --- the sync loop: concurrent polling over one connection
	step("poll")
	if err := poll(rt, img, podID, ctrID, image); err != nil {
		return err
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.PodSandboxStatus(ctx, &berthcri.PodSandboxStatusRequest{PodSandboxId: podID})
		if err == nil {
			keep("podSandboxStatus", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("PodSandboxStatus: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.ContainerStatus(ctx, &berthcri.ContainerStatusRequest{ContainerId: ctrID})
		if err == nil {
			keep("containerStatusRunning", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("ContainerStatus: %v", err)
	}

	// --- big messages, deadlines, cancellation
	step("edges")
	edges(rt, ctrID)

	// --- berthd restarts under us
	step("restart")
	fmt.Println("ready-for-restart")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if strings.TrimSpace(line) != "go" {
		return fmt.Errorf("the test said %q instead of go", line)
	}
	// The events stream cannot outlive the old connection.
	code("eventsEnd", <-events1)
	// The kubelet's calls after a runtime restart: the same ClientConn reconnects.
	if err := call(time.Minute, func(ctx context.Context) error {
		r, err := rt.Version(ctx, &berthcri.VersionRequest{Version: "v1"}, grpc.WaitForReady(true))
		if err == nil {
			keep("versionAfterRestart", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("Version after restart: %v", err)
	}
	events2, events2cancel := watchEvents(rt, &rep.Events2)
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.ContainerStatus(ctx, &berthcri.ContainerStatusRequest{ContainerId: ctrID})
		if err == nil {
			keep("containerStatusAfterRestart", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("ContainerStatus after restart: %v", err)
	}

	// --- teardown
	step("teardown")
	if err := call(rpcTimeout, func(ctx context.Context) error {
		_, err := rt.StopContainer(ctx, &berthcri.StopContainerRequest{ContainerId: ctrID, Timeout: 10})
		return err
	}); err != nil {
		return fmt.Errorf("StopContainer: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.ContainerStatus(ctx, &berthcri.ContainerStatusRequest{ContainerId: ctrID})
		if err == nil {
			keep("containerStatusStopped", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("ContainerStatus after stop: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		_, err := rt.StopPodSandbox(ctx, &berthcri.StopPodSandboxRequest{PodSandboxId: podID})
		return err
	}); err != nil {
		return fmt.Errorf("StopPodSandbox: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		_, err := rt.RemovePodSandbox(ctx, &berthcri.RemovePodSandboxRequest{PodSandboxId: podID})
		return err
	}); err != nil {
		return fmt.Errorf("RemovePodSandbox: %v", err)
	}
	if err := call(rpcTimeout, func(ctx context.Context) error {
		r, err := rt.ListPodSandbox(ctx, &berthcri.ListPodSandboxRequest{})
		if err == nil {
			keep("podsAfterRemove", r)
		}
		return err
	}); err != nil {
		return fmt.Errorf("ListPodSandbox: %v", err)
	}
	// Removal events are delivered before the stream ends.
	waitEvents(&rep.Events2, ctrID, berthcri.ContainerEventType_CONTAINER_DELETED_EVENT)
	events2cancel()
	code("events2End", <-events2)
	step("done")
	return nil
}

func keepIDs(podID, ctrID string) {
	b, _ := json.Marshal(map[string]string{"pod": podID, "container": ctrID})
	mu.Lock()
	rep.Responses["ids"] = b
	mu.Unlock()
}

// watchEvents keeps a GetContainerEvents stream open and records what
// arrives; the channel gets the error that ended it, cancel ends it.
func watchEvents(rt berthcri.RuntimeServiceClient, into *[]json.RawMessage) (<-chan error, context.CancelFunc) {
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := rt.GetContainerEvents(ctx, &berthcri.GetEventsRequest{})
	if err != nil {
		done <- err
		cancel()
		return done, cancel
	}
	go func() {
		defer cancel()
		for {
			ev, err := stream.Recv()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				done <- err
				return
			}
			s, _ := pbj.MarshalToString(ev)
			mu.Lock()
			*into = append(*into, json.RawMessage(s))
			mu.Unlock()
		}
	}()
	return done, cancel
}

// waitEvents waits (up to 10 s) until an event of type t for the container was recorded.
func waitEvents(list *[]json.RawMessage, ctrID string, t berthcri.ContainerEventType) {
	want := fmt.Sprintf(`"containerEventType":"%s"`, t.String())
	for i := 0; i < 100; i++ {
		mu.Lock()
		for _, e := range *list {
			if strings.Contains(string(e), ctrID) && strings.Contains(string(e), want) {
				mu.Unlock()
				return
			}
		}
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
}

// poll is the sync loop's traffic from many goroutines at once, as the
// kubelet's pod workers, PLEG and stats provider produce it.
func poll(rt berthcri.RuntimeServiceClient, img berthcri.ImageServiceClient, podID, ctrID, image string) error {
	const workers, rounds = 24, 15
	var wg sync.WaitGroup
	var calls, failures int64
	var firstErr error
	var lock sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				err := call(10*time.Second, func(ctx context.Context) error {
					var err error
					switch (w + i) % 6 {
					case 0:
						var r *berthcri.ContainerStatusResponse
						r, err = rt.ContainerStatus(ctx, &berthcri.ContainerStatusRequest{ContainerId: ctrID})
						if err == nil && r.Status.State != berthcri.ContainerState_CONTAINER_RUNNING {
							err = fmt.Errorf("container state %v", r.Status.State)
						}
					case 1:
						_, err = rt.PodSandboxStatus(ctx, &berthcri.PodSandboxStatusRequest{PodSandboxId: podID})
					case 2:
						var r *berthcri.ListContainersResponse
						r, err = rt.ListContainers(ctx, &berthcri.ListContainersRequest{Filter: &berthcri.ContainerFilter{PodSandboxId: podID}})
						if err == nil && len(r.Containers) != 1 {
							err = fmt.Errorf("%d containers listed", len(r.Containers))
						}
					case 3:
						_, err = rt.ListContainerStats(ctx, &berthcri.ListContainerStatsRequest{})
					case 4:
						_, err = rt.ListPodSandbox(ctx, &berthcri.ListPodSandboxRequest{})
					case 5:
						_, err = img.ImageStatus(ctx, &berthcri.ImageStatusRequest{Image: &berthcri.ImageSpec{Image: image}})
					}
					return err
				})
				lock.Lock()
				calls++
				if err != nil {
					failures++
					if firstErr == nil {
						firstErr = err
					}
				}
				lock.Unlock()
			}
		}(w)
	}
	wg.Wait()
	number("pollCalls", calls)
	number("pollFailures", failures)
	if firstErr != nil {
		mu.Lock()
		rep.Messages["poll"] = firstErr.Error()
		mu.Unlock()
	}
	return nil
}

func edges(rt berthcri.RuntimeServiceClient, ctrID string) {
	// A 6 MiB answer: many DATA frames and flow-control windows from berthd to gRPC-Go.
	const big = 6 << 20
	_ = call(time.Minute, func(ctx context.Context) error {
		r, err := rt.ExecSync(ctx, &berthcri.ExecSyncRequest{ContainerId: ctrID, Cmd: []string{"sh", "-c", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", big)}, Timeout: 30})
		code("bigAnswer", err)
		if err == nil {
			n := int64(len(r.Stdout))
			if strings.Trim(string(r.Stdout), "x") != "" {
				n = -n
			}
			number("bigAnswerBytes", n)
			number("bigAnswerExit", int64(r.ExitCode))
		}
		return nil
	})
	// A 3 MiB request: gRPC-Go's flow control against berthd's HTTP/2 server.
	_ = call(time.Minute, func(ctx context.Context) error {
		r, err := rt.ListContainers(ctx, &berthcri.ListContainersRequest{Filter: &berthcri.ContainerFilter{LabelSelector: map[string]string{"big": strings.Repeat("y", 3<<20)}}})
		code("bigRequest", err)
		if err == nil {
			number("bigRequestListed", int64(len(r.Containers)))
		}
		return nil
	})
	// Over the 16 MiB limit: a clean error, and the connection stays usable.
	_ = call(time.Minute, func(ctx context.Context) error {
		_, err := rt.ListContainers(ctx, &berthcri.ListContainersRequest{Filter: &berthcri.ContainerFilter{LabelSelector: map[string]string{"big": strings.Repeat("z", 20<<20)}}})
		code("oversize", err)
		return nil
	})
	_ = call(10*time.Second, func(ctx context.Context) error {
		_, err := rt.Version(ctx, &berthcri.VersionRequest{})
		code("afterOversize", err)
		return nil
	})
	// The gRPC deadline expires while berthd still runs the exec.
	_ = call(700*time.Millisecond, func(ctx context.Context) error {
		_, err := rt.ExecSync(ctx, &berthcri.ExecSyncRequest{ContainerId: ctrID, Cmd: []string{"sleep", "600"}, Timeout: 0})
		code("deadline", err)
		return nil
	})
	// Cancelled by the client mid-call.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(500 * time.Millisecond)
		cancel()
	}()
	_, err := rt.ExecSync(ctx, &berthcri.ExecSyncRequest{ContainerId: ctrID, Cmd: []string{"sleep", "601"}, Timeout: 0})
	code("cancel", err)
	// Many calls in flight at once, each with its own short deadline: berthd must answer them all.
	var wg sync.WaitGroup
	var ok int64
	var lock sync.Mutex
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if call(20*time.Second, func(ctx context.Context) error {
				_, err := rt.ContainerStatus(ctx, &berthcri.ContainerStatusRequest{ContainerId: ctrID, Verbose: true})
				return err
			}) == nil {
				lock.Lock()
				ok++
				lock.Unlock()
			}
		}()
	}
	wg.Wait()
	number("burstOK", ok)
}
