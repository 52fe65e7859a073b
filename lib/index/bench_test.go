package index

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"oras.land/oras-go/v2/registry/remote/credentials"

	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// The scale of the benchmarks: the 10,000 packages × 10 versions.
const benchPackages, benchVersions = 10_000, 10

func BenchmarkBuild(b *testing.B) {
	pkgs := genPackages(benchPackages, benchVersions)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(pkgs, "", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetchUnchanged is an update of an unchanged 10,000 × 10 index from the
// in-process registry: one resolve.
func BenchmarkFetchUnchanged(b *testing.B) {
	reg := newFakeRegistry(b)
	tgt := openBench(b, strings.TrimPrefix(reg.srv.URL, "http://")+"/bench/index")
	built, err := Build(genPackages(benchPackages, benchVersions), "", nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := pushIndex(ctx, tgt, built.Shards, built.Config, built.Manifest); err != nil {
		b.Fatal(err)
	}
	if err := tgt.Tag(ctx, built.Manifest.Desc, "latest"); err != nil {
		b.Fatal(err)
	}
	cache := b.TempDir()
	if _, err := Fetch(ctx, tgt, "latest", cache); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if res, err := Fetch(ctx, tgt, "latest", cache); err != nil || res.Changed {
			b.Fatal(res, err)
		}
	}
}

func openBench(tb testing.TB, s string) *oci.Target {
	tb.Helper()
	r, err := ref.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	t, err := oci.Open(context.Background(), r, oci.Options{Credentials: credentials.NewMemoryStore()})
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// countingProxy forwards to a registry and counts requests and response bytes.
type countingProxy struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests int
	bytes    int64
}

func newCountingProxy(tb testing.TB, addr string) *countingProxy {
	u, err := url.Parse("http://" + addr)
	if err != nil {
		tb.Fatal(err)
	}
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests++
		p.mu.Unlock()
		rp.ServeHTTP(&countingWriter{ResponseWriter: w, p: p}, r)
	}))
	tb.Cleanup(p.srv.Close)
	return p
}

func (p *countingProxy) reset() { p.mu.Lock(); p.requests, p.bytes = 0, 0; p.mu.Unlock() }
func (p *countingProxy) counts() (int, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.bytes
}

type countingWriter struct {
	http.ResponseWriter
	p *countingProxy
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.p.mu.Lock()
	w.p.bytes += int64(n)
	w.p.mu.Unlock()
	return n, err
}

// TestBenchTapReport measures the index at scale against a real registry and prints
// the table of docs/BENCHMARKS.md. scripts/bench-tap.sh runs it: it needs
// LONGSHORE_BENCH_REGISTRY (ADDR of a registry to write to) and LONGSHORE_BENCH_PKGTAP
// (a pkg-tap binary built with go build).
func TestBenchTapReport(t *testing.T) {
	addr, pkgTap := os.Getenv("LONGSHORE_BENCH_REGISTRY"), os.Getenv("LONGSHORE_BENCH_PKGTAP")
	if addr == "" || pkgTap == "" {
		t.Skip("set LONGSHORE_BENCH_REGISTRY and LONGSHORE_BENCH_PKGTAP (scripts/bench-tap.sh does)")
	}
	ctx := context.Background()
	repo := fmt.Sprintf("bench/index-%d", time.Now().UnixNano())
	direct := openBench(t, addr+"/"+repo)
	proxy := newCountingProxy(t, addr)
	counted := openBench(t, strings.TrimPrefix(proxy.srv.URL, "http://")+"/"+repo)
	type row struct{ what, value, target string }
	var rows []row
	add := func(what, value, target string) {
		rows = append(rows, row{what, value, target})
		t.Logf("%s: %s", what, value)
	}

	start := time.Now()
	pkgs := genPackages(benchPackages, benchVersions)
	built, err := Build(pkgs, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range built.Shards {
		total += s.Desc.Size
	}
	add("index size", fmt.Sprintf("%d packages, %d versions, %d shards, %s (manifest %s)",
		benchPackages, benchPackages*benchVersions, len(built.Shards), kib(total), kib(built.Manifest.Desc.Size)), "")
	add("build in memory", ms(time.Since(start)), "")

	start = time.Now()
	if _, err := Publish(ctx, direct, "latest", pkgs, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	add("publish (index build, first time)", ms(time.Since(start)), "")

	cache := t.TempDir()
	proxy.reset()
	start = time.Now()
	res, err := Fetch(ctx, counted, "latest", cache)
	if err != nil {
		t.Fatal(err)
	}
	n, sent := proxy.counts()
	add("Fetch, empty cache", fmt.Sprintf("%s, %d requests, %s", ms(time.Since(start)), n, kib(sent)), "")

	// Unchanged: time against the registry directly, requests through the proxy.
	var times []time.Duration
	for range 20 {
		start := time.Now()
		res, err := Fetch(ctx, direct, "latest", cache)
		if err != nil || res.Changed {
			t.Fatal(res, err)
		}
		times = append(times, time.Since(start))
	}
	proxy.reset()
	if _, err := Fetch(ctx, counted, "latest", cache); err != nil {
		t.Fatal(err)
	}
	n, sent = proxy.counts()
	med := median(times)
	add("Fetch, unchanged index", fmt.Sprintf("median %s (of 20), %d request, %d bytes", ms(med), n, sent), "< 50 ms, 1 request")
	if n != 1 || med > 50*time.Millisecond {
		t.Errorf("unchanged fetch: %d requests, %s", n, med)
	}

	// One entry added by the real binary.
	home := t.TempDir()
	times = nil
	for i := range 5 {
		doc := publishedYAML(fmt.Sprintf("pkg-%05d", 17*i+3), fmt.Sprintf("2.0.%d", i))
		cmd := exec.Command(pkgTap, "index", "add", "-f", "-", "--to", addr+"/"+repo, "-o", "name")
		cmd.Env = append(os.Environ(), "LONGSHORE_HOME="+home)
		cmd.Stdin = strings.NewReader(doc)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("pkg-tap index add: %v\n%s", err, out.String())
		}
		times = append(times, time.Since(start))
	}
	med = median(times)
	add("pkg-tap index add, one entry (process wall time)", fmt.Sprintf("median %s (of 5)", ms(med)), "< 1 s")
	if med > time.Second {
		t.Errorf("index add took %s", med)
	}
	// The cache saw 5 changes since: compare one change alone.
	if _, err := Fetch(ctx, direct, "latest", cache); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pkgTap, "index", "add", "-f", "-", "--to", addr+"/"+repo, "-o", "name")
	cmd.Env = append(os.Environ(), "LONGSHORE_HOME="+home)
	cmd.Stdin = strings.NewReader(publishedYAML("pkg-09999", "3.0.0"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pkg-tap index add: %v\n%s", err, out)
	}
	proxy.reset()
	start = time.Now()
	res, err = Fetch(ctx, counted, "latest", cache)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	n, sent = proxy.counts()
	pct := 100 * float64(res.BytesFetched) / float64(total)
	add("Fetch after one package changed", fmt.Sprintf("%s, %d requests, %d of %d shards, %s of %s (%.2f%%)",
		ms(elapsed), n, res.ShardsFetched, res.Shards, kib(res.BytesFetched), kib(total), pct), "< 5% of the index bytes")
	if pct >= 5 || res.ShardsFetched != 1 {
		t.Errorf("fetch after one change: %+v (%.2f%%)", res, pct)
	}
	if sent < res.BytesFetched {
		t.Errorf("the proxy saw %d bytes, Fetch reports %d", sent, res.BytesFetched)
	}

	// The consumer's verbs, when the tap helper's commands are there.
	tapHome := t.TempDir()
	tapEnv := append(os.Environ(), "LONGSHORE_HOME="+tapHome)
	addTap := exec.Command(pkgTap, "add", "bench", addr+"/"+repo)
	addTap.Env = tapEnv
	if out, err := addTap.CombinedOutput(); err != nil {
		t.Logf("pkg-tap add (skipping the update row): %v\n%s", err, out)
	} else {
		times = nil
		for range 10 {
			up := exec.Command(pkgTap, "update", "bench")
			up.Env = tapEnv
			start := time.Now()
			if out, err := up.CombinedOutput(); err != nil {
				t.Fatalf("pkg-tap update: %v\n%s", err, out)
			}
			times = append(times, time.Since(start))
		}
		add("pkg-tap update, unchanged tap (process wall time)", fmt.Sprintf("median %s (of 10)", ms(median(times))), "< 50 ms")
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n| measure | result | target |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.what, r.value, r.target)
	}
	fmt.Print(b.String())
}

func publishedYAML(name, version string) string {
	dg := "sha256:" + strings.Repeat("ab", 32)
	return fmt.Sprintf(`apiVersion: longshore.dev/v1alpha1
kind: Published
name: %s
version: %s
repository: registry.example.com/tools/%s
digest: %s
mediaType: application/vnd.oci.image.index.v1+json
tags: [%s]
platforms:
  - {platform: linux/amd64, digest: %s}
description: changed by the benchmark
`, name, version, name, dg, version, dg)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func kib(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}
