package oci

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// testCA is a private CA, as a company runs, that issues server certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// file is the CA certificate as a PEM file, for --ca-file.
	file string
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, file: file}
}

// issue makes a server certificate for names (DNS names or IP addresses), valid from
// notBefore to notAfter.
func (ca *testCA) issue(t *testing.T, names []string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: notBefore, NotAfter: notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveTLS serves f over HTTPS on 127.0.0.1 with cert, and returns a reference to it.
func serveTLS(t *testing.T, f http.Handler, cert tls.Certificate) ref.Ref {
	t.Helper()
	srv := httptest.NewUnstartedServer(f)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // "TLS handshake error": the plain attempts
	srv.StartTLS()
	t.Cleanup(srv.Close)
	r, err := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "https://") + "/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func tlsRegistry(t *testing.T, f *fakeRegistry, cert tls.Certificate) ref.Ref {
	t.Helper()
	if f.manifest == nil {
		f.manifest, _ = json.Marshal(ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: ocispec.DescriptorEmptyJSON})
	}
	return serveTLS(t, f, cert)
}

var validNow = [2]time.Time{time.Now().Add(-time.Hour), time.Now().Add(time.Hour)}

// A registry on 127.0.0.1 that speaks TLS works without --plain-http=false: the plain
// HTTP default for loopback addresses gave "400 Bad Request" and nothing more.
func TestLoopbackRegistryThatSpeaksTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "Corp Internal CA")
	f := &fakeRegistry{user: "alice", pass: "s3cret"}
	r := tlsRegistry(t, f, ca.issue(t, []string{"127.0.0.1"}, validNow[0], validNow[1]))
	creds := staticCreds{r.Registry: {Username: "alice", Password: "s3cret"}}
	target := open(t, r, Options{CAFile: ca.file, Credentials: creds})
	if _, err := target.Resolve(context.Background(), "1.0.0"); err != nil {
		t.Fatalf("a TLS registry on 127.0.0.1 should be reached over TLS by default: %v (hint %q)", err, fault.HintOf(err))
	}
	if len(f.authHeader) == 0 {
		t.Error("no authenticated request reached the registry")
	}

	// Without the CA, the certificate is what is wrong, not the protocol.
	_, err := open(t, r, Options{Credentials: creds}).Resolve(context.Background(), "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "not trusted") {
		t.Fatalf("without --ca-file: got %v, want an untrusted certificate", err)
	}
}

// A request with a body that is the first to a loopback TLS registry is sent again
// over TLS, whole.
func TestLoopbackTLSResendsTheBody(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "Corp Internal CA")
	var got []byte
	r := serveTLS(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got, _ = io.ReadAll(req.Body)
	}), ca.issue(t, []string{"127.0.0.1"}, validNow[0], validNow[1]))
	client, err := HTTPClient(Options{CAFile: ca.file})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Post("http://"+r.Registry+"/v2/x/blobs/uploads/", "application/octet-stream", bytes.NewReader([]byte("the body")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(got) != "the body" {
		t.Errorf("status %d, body %q", resp.StatusCode, got)
	}
}

// --plain-http to a TLS registry says it speaks TLS, not "400 Bad Request".
func TestPlainHTTPToTLSRegistry(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "Corp Internal CA")
	r := tlsRegistry(t, &fakeRegistry{}, ca.issue(t, []string{"127.0.0.1"}, validNow[0], validNow[1]))
	plain := true
	_, err := open(t, r, Options{PlainHTTP: &plain, CAFile: ca.file}).Resolve(context.Background(), "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "speaks HTTPS") || !strings.Contains(fault.HintOf(err), "drop --plain-http") {
		t.Fatalf("got %v (hint %q)", err, fault.HintOf(err))
	}
	if fault.KindOf(err) != fault.Unknown {
		t.Errorf("kind %v, want %v", fault.KindOf(err), fault.Unknown)
	}
}

// Every way a certificate is not trusted is named, with the registry and what to do,
// and exits 1: no retry or login mends it.
func TestUntrustedCertificates(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "Corp Internal CA")
	other := newTestCA(t, "Someone Else CA")
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		cert   tls.Certificate
		caFile string
		text   []string
		hint   []string
	}{
		{"no CA file", ca.issue(t, []string{"127.0.0.1"}, validNow[0], validNow[1]), "",
			[]string{"the TLS certificate of 127.0.0.1:", "is not trusted", `issued by "Corp Internal CA"`},
			[]string{"--ca-file FILE", "LONGSHORE_CA_FILE", "trust store", "--insecure", "pose as it"}},
		{"another CA's file", ca.issue(t, []string{"127.0.0.1"}, validNow[0], validNow[1]), other.file,
			[]string{"is not trusted", `issued by "Corp Internal CA"`, "neither the CA file " + other.file},
			[]string{"--ca-file", "holds other CAs"}},
		{"name mismatch", ca.issue(t, []string{"registry.internal"}, validNow[0], validNow[1]), ca.file,
			[]string{"is for registry.internal, not 127.0.0.1"},
			[]string{"a name its certificate holds", "reissued with 127.0.0.1"}},
		{"expired", ca.issue(t, []string{"127.0.0.1"}, past, past.AddDate(0, 1, 0)), ca.file,
			[]string{"expired on 2020-02-01T00:00:00Z"},
			[]string{"renew", "clock"}},
		{"not yet valid", ca.issue(t, []string{"127.0.0.1"}, time.Now().AddDate(1, 0, 0), time.Now().AddDate(2, 0, 0)), ca.file,
			[]string{"is not valid before"},
			[]string{"clock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tlsRegistry(t, &fakeRegistry{}, tc.cert)
			_, err := open(t, r, Options{CAFile: tc.caFile}).Resolve(context.Background(), "1.0.0")
			if err == nil {
				t.Fatal("an untrusted certificate was accepted")
			}
			if fault.KindOf(err) != fault.Unknown {
				t.Errorf("kind %v, want %v", fault.KindOf(err), fault.Unknown)
			}
			for _, want := range tc.text {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "x509:") {
				t.Errorf("error %q is Go's x509 text, not the user's words", err)
			}
			for _, want := range tc.hint {
				if !strings.Contains(fault.HintOf(err), want) {
					t.Errorf("hint %q lacks %q", fault.HintOf(err), want)
				}
			}
		})
	}
}

// staticCreds holds credentials by registry host.
type staticCreds map[string]authCredential

func (s staticCreds) Get(_ context.Context, host string) (authCredential, error) { return s[host], nil }
func (staticCreds) Put(context.Context, string, authCredential) error            { return nil }
func (staticCreds) Delete(context.Context, string) error                         { return nil }

// Plain HTTP the user did not ask for (a loopback registry's default) is not theirs to
// drop: the hint says how to ask for TLS instead.
func TestPlainHTTPToTLSHintFollowsTheChoice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		chosen bool
		want   string
	}{
		{true, "drop --plain-http"},
		{false, "give --plain-http=false: it speaks TLS, and a loopback registry gets plain HTTP by default"},
	} {
		err := TLSFault("fetching x", "localhost", "", &PlainHTTPToTLSError{Host: "localhost", Chosen: tc.chosen})
		if hint := fault.HintOf(err); !strings.HasPrefix(hint, tc.want) {
			t.Errorf("chosen %v: hint %q, want it to start %q", tc.chosen, hint, tc.want)
		}
	}
}
