// Command latencyproxy plays a registry far away, for scripts/bench-pull.sh: a reverse
// proxy in front of UPSTREAM that waits DELAY before forwarding each request. It
// listens on a free 127.0.0.1 port and prints that address on its first line.
//
//	latencyproxy UPSTREAM DELAY      e.g. latencyproxy 127.0.0.1:5000 25ms
package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: latencyproxy UPSTREAM DELAY")
		os.Exit(2)
	}
	upstream, err := url.Parse("http://" + os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "latencyproxy:", err)
		os.Exit(2)
	}
	delay, err := time.ParseDuration(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "latencyproxy:", err)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "latencyproxy:", err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	err = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		proxy.ServeHTTP(w, r)
	}))
	fmt.Fprintln(os.Stderr, "latencyproxy:", err)
	os.Exit(1)
}
