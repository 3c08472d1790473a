// k8s-stream: a third-party streaming client for Berth's tests. It speaks the
// Kubernetes remote-command protocols over SPDY/3.1 with Debian's
// github.com/docker/spdystream (the library client-go's executor uses), and
// drives the streams the way client-go's executor does (see
// docs/architecture.md, "Third-party clients"):
//
//   - streams are created one at a time (error, stdin, stdout, stderr,
//     resize) and each SYN_REPLY is awaited before the next is opened;
//   - stdin sends a DATA frame per read of its input, nothing before the
//     input has data, and ends with an empty DATA frame carrying FIN; the
//     client also reads the stdin stream and stops sending input once the
//     server ends it (v2+);
//   - the session is over when stdout and stderr reached EOF and the error
//     stream was read to its end (v4: a JSON metav1.Status; v1-v3: text).
//
// Usage:
//
//	k8s-stream exec|attach [-stdin] [-stdout] [-stderr] [-tty] [-protocols p1,p2] [-resize-fd N] URL
//	k8s-stream portforward [-protocols p] -req PORT:PAYLOAD [-req …] URL
//
// The remote output goes to this process's stdout/stderr; stdin is read from
// its stdin. With -resize-fd, lines "<width> <height>" read from that fd are
// sent on the resize stream. The outcome is one JSON object on fd 3.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docker/spdystream"
)

const replyTimeout = 30 * time.Second

var execProtocols = "v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io"

// report is what the test reads from fd 3.
type report struct {
	Protocol   string          `json:"protocol,omitempty"`
	HTTPStatus int             `json:"httpStatus,omitempty"`
	Accepted   string          `json:"accepted,omitempty"`
	Status     json.RawMessage `json:"status,omitempty"`
	ExitCode   *int            `json:"exitCode,omitempty"`
	ErrorText  string          `json:"errorText,omitempty"`
	Error      string          `json:"error,omitempty"`
	Forwards   []forwardResult `json:"forwards,omitempty"`
}

type forwardResult struct {
	Port      int    `json:"port"`
	RequestID int    `json:"requestID"`
	Reply     string `json:"reply"`
	Error     string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-stream exec|attach|portforward [flags] URL")
		os.Exit(64)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	stdin := fs.Bool("stdin", false, "send this process's stdin")
	stdout := fs.Bool("stdout", false, "receive stdout")
	stderr := fs.Bool("stderr", false, "receive stderr")
	tty := fs.Bool("tty", false, "the session has a terminal")
	protocols := fs.String("protocols", "", "offered protocols, in preference order")
	resizeFd := fs.Int("resize-fd", -1, "fd with \"<width> <height>\" lines to send on the resize stream")
	var reqs multi
	fs.Var(&reqs, "req", "PORT:PAYLOAD, one port-forward connection (portforward)")
	_ = fs.Parse(os.Args[2:])
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "k8s-stream: one URL expected")
		os.Exit(64)
	}
	out := os.NewFile(3, "report")
	var r report
	var err error
	switch mode {
	case "exec", "attach":
		offered := execProtocols
		if *protocols != "" {
			offered = *protocols
		}
		r, err = remoteCommand(fs.Arg(0), strings.Split(offered, ","), options{*stdin, *stdout, *stderr, *tty, *resizeFd})
	case "portforward":
		offered := "portforward.k8s.io"
		if *protocols != "" {
			offered = *protocols
		}
		r, err = portForward(fs.Arg(0), strings.Split(offered, ","), reqs)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		r.Error = err.Error()
	}
	if out != nil {
		_ = json.NewEncoder(out).Encode(r)
	}
	if err != nil {
		os.Exit(2)
	}
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type options struct {
	stdin, stdout, stderr, tty bool
	resizeFd                   int
}

// bufferedConn hands out what the HTTP response reader already buffered
// before reading the socket again: SPDY frames may follow the 101 at once.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// upgrade sends the POST with the SPDY upgrade headers and returns the
// connection and the protocol the server chose; a non-101 answer is
// reported (status, accepted versions) as an error.
func upgrade(rawURL string, protocols []string, r *report) (net.Conn, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, "", fmt.Errorf("want an absolute http URL, got %q", rawURL)
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, "", err
	}
	req, _ := http.NewRequest(http.MethodPost, rawURL, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	for _, p := range protocols {
		req.Header.Add("X-Stream-Protocol-Version", p)
	}
	if err := req.Write(c); err != nil {
		c.Close()
		return nil, "", err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		c.Close()
		return nil, "", err
	}
	r.HTTPStatus = resp.StatusCode
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		r.Accepted = strings.Join(resp.Header.Values("X-Accepted-Stream-Protocol-Versions"), ",")
		c.Close()
		return nil, "", fmt.Errorf("upgrade refused: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "SPDY/3.1") {
		c.Close()
		return nil, "", fmt.Errorf("101 without Upgrade: SPDY/3.1 (got %q)", resp.Header.Get("Upgrade"))
	}
	chosen := resp.Header.Get("X-Stream-Protocol-Version")
	known := false
	for _, p := range protocols {
		known = known || p == chosen
	}
	if !known {
		c.Close()
		return nil, "", fmt.Errorf("server chose %q, which was not offered", chosen)
	}
	return &bufferedConn{c, br}, chosen, nil
}

// session is one SPDY connection on the client side: the server may not
// open streams of its own, so any it tries is refused.
func session(c net.Conn) (*spdystream.Connection, error) {
	conn, err := spdystream.NewConnection(c, false)
	if err != nil {
		return nil, err
	}
	go conn.Serve(func(s *spdystream.Stream) { _ = s.Refuse() })
	return conn, nil
}

// open creates one stream and waits for its SYN_REPLY before returning:
// the next stream is only opened once this one is accepted.
func open(conn *spdystream.Connection, headers http.Header) (*spdystream.Stream, error) {
	s, err := conn.CreateStream(headers, nil, false)
	if err != nil {
		return nil, err
	}
	if err := s.WaitTimeout(replyTimeout); err != nil {
		return nil, fmt.Errorf("stream %s not accepted: %v", headers.Get("streamType"), err)
	}
	return s, nil
}

func streamHeaders(kind string) http.Header {
	h := http.Header{}
	h.Set("streamType", kind)
	return h
}

func version(protocol string) int {
	switch protocol {
	case "v4.channel.k8s.io":
		return 4
	case "v3.channel.k8s.io":
		return 3
	case "v2.channel.k8s.io":
		return 2
	}
	return 1
}

func remoteCommand(rawURL string, protocols []string, o options) (report, error) {
	var r report
	c, protocol, err := upgrade(rawURL, protocols, &r)
	if err != nil {
		return r, err
	}
	r.Protocol = protocol
	v := version(protocol)
	conn, err := session(c)
	if err != nil {
		return r, err
	}
	defer conn.Close()

	errStream, err := open(conn, streamHeaders("error"))
	if err != nil {
		return r, err
	}
	var remoteStdin, remoteStdout, remoteStderr, remoteResize *spdystream.Stream
	if o.stdin {
		if remoteStdin, err = open(conn, streamHeaders("stdin")); err != nil {
			return r, err
		}
	}
	if o.stdout {
		if remoteStdout, err = open(conn, streamHeaders("stdout")); err != nil {
			return r, err
		}
	}
	if o.stderr && !o.tty {
		if remoteStderr, err = open(conn, streamHeaders("stderr")); err != nil {
			return r, err
		}
	}
	if o.tty && v >= 3 {
		if remoteResize, err = open(conn, streamHeaders("resize")); err != nil {
			return r, err
		}
	}

	// The error stream is read to its end in the background; it is judged last.
	errText := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(errStream)
		errText <- b
	}()

	if remoteStdin != nil {
		sendStdin(remoteStdin, v)
	}
	if remoteResize != nil && o.resizeFd >= 0 {
		go sendSizes(remoteResize, os.NewFile(uintptr(o.resizeFd), "resize"))
	}

	var wg sync.WaitGroup
	for _, p := range []struct {
		from *spdystream.Stream
		to   io.Writer
	}{{remoteStdout, os.Stdout}, {remoteStderr, os.Stderr}} {
		if p.from == nil {
			continue
		}
		wg.Add(1)
		go func(from *spdystream.Stream, to io.Writer) {
			defer wg.Done()
			_, _ = io.Copy(to, from)
		}(p.from, p.to)
	}
	wg.Wait()
	text := <-errText
	return judge(r, v, text)
}

// sendStdin copies this process's stdin to the stream, one DATA frame per
// read, and ends it with FIN at EOF. From v2 on the stream is also read: a
// server that ends it means "no more input wanted", and the client ends its
// side too (client-go's executor behaves so).
func sendStdin(s *spdystream.Stream, v int) {
	var once sync.Once
	end := func() { once.Do(func() { _ = s.Close() }) }
	go func() {
		buf := make([]byte, 32*1024)
		for {
			n, err := os.Stdin.Read(buf)
			if n > 0 {
				if _, werr := s.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				if v >= 2 {
					end()
				}
				return
			}
		}
	}()
	if v >= 2 {
		go func() {
			_, _ = io.Copy(io.Discard, s)
			end()
		}()
	}
}

func sendSizes(s *spdystream.Stream, f *os.File) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var w, h int
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &w, &h); err != nil {
			continue
		}
		b, _ := json.Marshal(map[string]int{"Width": w, "Height": h})
		if _, err := s.Write(b); err != nil {
			return
		}
	}
}

// judge turns what the error stream carried into the outcome: v4 a
// metav1.Status (empty = success), older versions plain text (empty = success).
func judge(r report, v int, text []byte) (report, error) {
	if len(text) == 0 {
		zero := 0
		r.ExitCode = &zero
		return r, nil
	}
	if v < 4 {
		r.ErrorText = string(text)
		return r, nil
	}
	r.Status = json.RawMessage(text)
	var st struct {
		Status  string `json:"status"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
		Details struct {
			Causes []struct {
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"causes"`
		} `json:"details"`
	}
	if err := json.Unmarshal(text, &st); err != nil {
		return r, fmt.Errorf("error stream is not a JSON Status: %v: %q", err, text)
	}
	switch {
	case st.Status == "Success":
		zero := 0
		r.ExitCode = &zero
	case st.Reason == "NonZeroExitCode":
		for _, c := range st.Details.Causes {
			if c.Reason == "ExitCode" {
				n, err := strconv.Atoi(c.Message)
				if err != nil {
					return r, fmt.Errorf("ExitCode cause is not a number: %q", c.Message)
				}
				r.ExitCode = &n
			}
		}
		if r.ExitCode == nil {
			return r, errors.New("NonZeroExitCode without an ExitCode cause")
		}
	default:
		r.ErrorText = st.Message
	}
	return r, nil
}

// portForward opens one SPDY connection and, concurrently, one error+data
// stream pair per request (headers port and requestID, as the port
// forwarder of client-go sends them); each sends its payload, half-closes
// and reads the reply to EOF, and the error stream to its end.
func portForward(rawURL string, protocols []string, reqs []string) (report, error) {
	var r report
	c, protocol, err := upgrade(rawURL, protocols, &r)
	if err != nil {
		return r, err
	}
	r.Protocol = protocol
	conn, err := session(c)
	if err != nil {
		return r, err
	}
	defer conn.Close()

	r.Forwards = make([]forwardResult, len(reqs))
	var wg sync.WaitGroup
	var createLock sync.Mutex // one pair at a time, as the forwarder creates them
	for i, spec := range reqs {
		colon := strings.IndexByte(spec, ':')
		if colon < 0 {
			return r, fmt.Errorf("-req %q: want PORT:PAYLOAD", spec)
		}
		port, err := strconv.Atoi(spec[:colon])
		if err != nil {
			return r, fmt.Errorf("-req %q: %v", spec, err)
		}
		wg.Add(1)
		go func(i, port int, payload string) {
			defer wg.Done()
			res := &r.Forwards[i]
			res.Port, res.RequestID = port, i
			h := http.Header{}
			h.Set("streamType", "error")
			h.Set("port", strconv.Itoa(port))
			h.Set("requestID", strconv.Itoa(i))
			createLock.Lock()
			errStream, err := open(conn, h)
			var data *spdystream.Stream
			if err == nil {
				// The client never writes on the error stream: it ends its side at once.
				_ = errStream.Close()
				h.Set("streamType", "data")
				data, err = open(conn, h)
			}
			createLock.Unlock()
			if err != nil {
				res.Error = err.Error()
				return
			}
			errText := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(errStream)
				errText <- b
			}()
			go func() {
				if payload != "" {
					_, _ = data.Write([]byte(payload))
				}
				_ = data.Close()
			}()
			reply, _ := io.ReadAll(data)
			res.Reply = string(reply)
			if t := <-errText; len(t) > 0 {
				res.Error = string(t)
			}
		}(i, port, spec[colon+1:])
	}
	wg.Wait()
	return r, nil
}
