// cri-poll-bench: times the calls the kubelet polls, against several CRI
// runtimes at once, from a client that is not Berth's (Debian's gRPC-Go, the
// kubelet's own stack, with code protoc generates from proto/api.proto).
//
// For each runtime (-runtime name=socket, repeatable) it lists the pods and
// containers once, then runs -rounds rounds. A round makes each of the five
// calls once on every runtime; the order of the calls and, for each call, the
// order of the runtimes are shuffled per round, so machine load falls on all
// runtimes alike. Status calls name a pod or container picked at random.
// Calls are sequential (one in flight) over one connection per runtime, as
// each kubelet loop makes them.
//
//	ListPodSandbox      no filter (the PLEG relist)
//	ListContainers      no filter (the PLEG relist)
//	PodSandboxStatus    verbose false
//	ContainerStatus     verbose false
//	ListContainerStats  no filter (the stats provider)
//
// The report on fd 3 is JSON: per runtime and call the latencies in
// nanoseconds (after -warmup rounds), the counts each list returned, and
// any error. The Node driver (bench/list-latency.ts) turns it into
// percentiles.
//
// Usage: cri-poll-bench -runtime berth=/path/sock -runtime containerd=/path/sock -rounds 1000 -warmup 50
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"strings"
	"time"

	berthcri "berthcri" // generated from proto/api.proto at build time (package runtime_v1)

	"google.golang.org/grpc"
)

type runtimeFlag []string

func (r *runtimeFlag) String() string     { return strings.Join(*r, ",") }
func (r *runtimeFlag) Set(v string) error { *r = append(*r, v); return nil }

var calls = []string{"ListPodSandbox", "ListContainers", "PodSandboxStatus", "ContainerStatus", "ListContainerStats"}

type target struct {
	name       string
	rt         berthcri.RuntimeServiceClient
	conn       *grpc.ClientConn
	pods, ctrs []string
}

type runtimeReport struct {
	Pods       int                `json:"pods"`
	Containers int                `json:"containers"`
	Samples    map[string][]int64 `json:"samplesNs"`
	// The sizes each list returned on its last call (the driver checks them).
	LastCounts map[string]int `json:"lastCounts"`
}

type report struct {
	Runtimes map[string]*runtimeReport `json:"runtimes"`
	Order    []string                  `json:"order"`
	Rounds   int                       `json:"rounds"`
	Error    string                    `json:"error,omitempty"`
}

func main() {
	var runtimes runtimeFlag
	flag.Var(&runtimes, "runtime", "name=socket path (repeatable)")
	rounds := flag.Int("rounds", 1000, "measured rounds")
	warmup := flag.Int("warmup", 50, "rounds before measuring")
	seed := flag.Int64("seed", time.Now().UnixNano(), "shuffle seed")
	budget := flag.Duration("budget", 0, "stop measuring after this long (0: no limit); the report says how many rounds ran")
	flag.Parse()
	rep := report{Runtimes: map[string]*runtimeReport{}}
	err := run(runtimes, *rounds, *warmup, *seed, *budget, &rep)
	if err != nil {
		rep.Error = err.Error()
	}
	if out := os.NewFile(3, "report"); out != nil {
		_ = json.NewEncoder(out).Encode(rep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func dial(socket string) (*grpc.ClientConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return grpc.DialContext(ctx, socket,
		grpc.WithInsecure(),
		grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)),
	)
}

func run(runtimes []string, rounds, warmup int, seed int64, budget time.Duration, rep *report) error {
	if len(runtimes) == 0 {
		return fmt.Errorf("no -runtime given")
	}
	rng := rand.New(rand.NewSource(seed))
	var targets []*target
	for _, spec := range runtimes {
		i := strings.IndexByte(spec, '=')
		if i <= 0 {
			return fmt.Errorf("-runtime %q: want name=socket", spec)
		}
		conn, err := dial(spec[i+1:])
		if err != nil {
			return fmt.Errorf("%s: dial: %v", spec[:i], err)
		}
		defer conn.Close()
		t := &target{name: spec[:i], rt: berthcri.NewRuntimeServiceClient(conn), conn: conn}
		if err := t.discover(); err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		targets = append(targets, t)
		rep.Runtimes[t.name] = &runtimeReport{Pods: len(t.pods), Containers: len(t.ctrs), Samples: map[string][]int64{}, LastCounts: map[string]int{}}
	}
	order := append([]string(nil), calls...)
	var measuring time.Time
	for r := -warmup; r < rounds; r++ {
		if r == 0 {
			measuring = time.Now()
		}
		if r > 0 && r%100 == 0 {
			fmt.Fprintf(os.Stderr, "%s round %d\n", time.Now().UTC().Format(time.RFC3339), r)
		}
		if budget > 0 && r > 0 && time.Since(measuring) > budget {
			fmt.Fprintf(os.Stderr, "budget of %s spent after %d rounds\n", budget, r)
			break
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, c := range order {
			rng.Shuffle(len(targets), func(i, j int) { targets[i], targets[j] = targets[j], targets[i] })
			for _, t := range targets {
				tr := rep.Runtimes[t.name]
				ns, n, err := t.call(c, rng)
				if err != nil {
					return fmt.Errorf("%s %s (round %d): %v", t.name, c, r, err)
				}
				tr.LastCounts[c] = n
				if r >= 0 {
					tr.Samples[c] = append(tr.Samples[c], ns)
				}
			}
		}
		if r >= 0 {
			rep.Rounds = r + 1
		}
		if r == 0 {
			for _, t := range targets {
				rep.Order = append(rep.Order, t.name)
			}
		}
	}
	return nil
}

// discover lists the runtime's pods and running containers once: the status calls pick from these.
func (t *target) discover() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods, err := t.rt.ListPodSandbox(ctx, &berthcri.ListPodSandboxRequest{Filter: &berthcri.PodSandboxFilter{State: &berthcri.PodSandboxStateValue{State: berthcri.PodSandboxState_SANDBOX_READY}}})
	if err != nil {
		return fmt.Errorf("ListPodSandbox: %v", err)
	}
	for _, p := range pods.Items {
		t.pods = append(t.pods, p.Id)
	}
	ctrs, err := t.rt.ListContainers(ctx, &berthcri.ListContainersRequest{Filter: &berthcri.ContainerFilter{State: &berthcri.ContainerStateValue{State: berthcri.ContainerState_CONTAINER_RUNNING}}})
	if err != nil {
		return fmt.Errorf("ListContainers: %v", err)
	}
	for _, c := range ctrs.Containers {
		t.ctrs = append(t.ctrs, c.Id)
	}
	if len(t.pods) == 0 || len(t.ctrs) == 0 {
		return fmt.Errorf("%d ready pods and %d running containers: nothing to poll", len(t.pods), len(t.ctrs))
	}
	return nil
}

// call makes one call and returns its latency in ns and the number of items it returned.
func (t *target) call(name string, rng *rand.Rand) (int64, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	var err error
	// The ids are picked before the clock starts.
	pod := t.pods[rng.Intn(len(t.pods))]
	ctr := t.ctrs[rng.Intn(len(t.ctrs))]
	start := time.Now()
	switch name {
	case "ListPodSandbox":
		var r *berthcri.ListPodSandboxResponse
		if r, err = t.rt.ListPodSandbox(ctx, &berthcri.ListPodSandboxRequest{}); err == nil {
			n = len(r.Items)
		}
	case "ListContainers":
		var r *berthcri.ListContainersResponse
		if r, err = t.rt.ListContainers(ctx, &berthcri.ListContainersRequest{}); err == nil {
			n = len(r.Containers)
		}
	case "PodSandboxStatus":
		var r *berthcri.PodSandboxStatusResponse
		if r, err = t.rt.PodSandboxStatus(ctx, &berthcri.PodSandboxStatusRequest{PodSandboxId: pod}); err == nil && r.Status != nil && r.Status.Id == pod {
			n = 1
		}
	case "ContainerStatus":
		var r *berthcri.ContainerStatusResponse
		if r, err = t.rt.ContainerStatus(ctx, &berthcri.ContainerStatusRequest{ContainerId: ctr}); err == nil && r.Status != nil && r.Status.Id == ctr {
			n = 1
		}
	case "ListContainerStats":
		var r *berthcri.ListContainerStatsResponse
		if r, err = t.rt.ListContainerStats(ctx, &berthcri.ListContainerStatsRequest{}); err == nil {
			n = len(r.Stats)
		}
	}
	ns := time.Since(start).Nanoseconds()
	return ns, n, err
}
