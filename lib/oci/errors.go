package oci

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/printable"
)

// classify wraps err with what was being done and the fault kind a user acts on. Error
// texts from oras-go carry URLs, never credentials (those live in headers); their
// queries are dropped (dropQueries). What the registry wrote in them is put on one
// line (oneLine).
func (t *Target) classify(err error, doing string) error {
	if err == nil {
		return nil
	}
	dropQueries(err)
	err = &oneLine{err}
	if fault.KindOf(err) != fault.Unknown {
		return fmt.Errorf("%s: %w", doing, err)
	}
	host := t.Ref.Registry
	wrapped := fmt.Errorf("%s: %w", doing, err)
	var resp *errcode.ErrorResponse
	var netErr net.Error
	var opErr *net.OpError
	var execErr *exec.Error
	tlsErr := TLSFault(doing, host, t.caFile, err)
	switch {
	case errors.Is(err, context.Canceled):
		return wrapped
	case errors.Is(err, errdef.ErrNotFound):
		return fault.New(fault.NotFound, fmt.Errorf("%s: not found", doing), "")
	case t.remote == nil && (errors.Is(err, content.ErrMismatchedDigest) || errors.Is(err, content.ErrTrailingData) ||
		errors.Is(err, io.ErrUnexpectedEOF)):
		// A layout's file is shorter or other than its digest says: damaged on disk.
		return fault.New(fault.Verify, wrapped, "the layout's copy is damaged; "+repairLayout)
	case errors.Is(err, content.ErrMismatchedDigest), errors.Is(err, content.ErrTrailingData),
		errors.Is(err, content.ErrInvalidDescriptorSize):
		return fault.New(fault.Verify, wrapped, "the registry served bytes that do not match their digest; the content was refused")
	case strings.Contains(err.Error(), "mismatch Content-Length"):
		// The registry announced a size other than the descriptor's: truncated or padded.
		return fault.New(fault.Verify, wrapped, "the registry served a size that does not match the descriptor; the content was refused")
	case errors.Is(err, errdef.ErrSizeExceedsLimit), errors.Is(err, errdef.ErrTooManyPages):
		return fault.New(fault.Verify, wrapped, "")
	case t.remote == nil:
		return layoutFault(doing, err)
	case errors.As(err, &execErr) && errors.Is(execErr.Err, exec.ErrNotFound):
		// The docker config names a credential helper (credsStore, credHelpers) that is
		// not installed: nothing a login or a retry can mend.
		return fault.New(fault.Auth, fmt.Errorf("%s: the docker config names credential helper %s, which is not installed", doing, execErr.Name),
			fmt.Sprintf("install %s, or take it out of credsStore/credHelpers in $DOCKER_CONFIG/config.json (~/.docker/config.json)", execErr.Name))
	case errors.Is(err, auth.ErrBasicCredentialNotFound):
		return fault.New(fault.Auth, fmt.Errorf("%s: %s asks for credentials and none are configured", doing, host),
			LoginHint(host))
	case errors.As(err, &resp):
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return fault.New(fault.Auth, fmt.Errorf("%s: %s refused access (HTTP %d)", doing, host, resp.StatusCode),
				LoginHint(host))
		case hasCode(resp, errcode.ErrorCodeBlobUploadUnknown):
			// The registry no longer knows the upload session the PUT completes: a
			// retried PUT whose first answer was lost after the registry stored the
			// blob, or a session that expired. A new upload may well succeed.
			return fault.New(fault.Network, fmt.Errorf("%s: %s lost the upload (%w)", doing, host, err),
				"the registry is overloaded or failing; try again later")
		case resp.StatusCode == http.StatusNotFound:
			return fault.New(fault.NotFound, fmt.Errorf("%s: not found", doing), "")
		case resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusHTTPVersionNotSupported:
			return fault.New(fault.Unknown, wrapped,
				fmt.Sprintf("%s does not act like an OCI registry (it answered HTTP %d): check the address; a registry serves the /v2/ API", host, resp.StatusCode))
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return fault.New(fault.Network, wrapped, "the registry is overloaded or failing; try again later")
		}
		return wrapped
	case tlsErr != nil:
		return tlsErr
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fault.New(fault.Network, fmt.Errorf("%s: cannot reach %s: %w", doing, DialTarget(opErr, host), opErr.Err),
			fmt.Sprintf("is a registry running at %s? check the address and port", host))
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fault.New(fault.Network, wrapped, "the registry did not answer in time; try again")
	case errors.As(err, &netErr):
		return fault.New(fault.Network, wrapped, "")
	}
	return wrapped
}

// oneLine is an error whose text a registry wrote in part (the messages and details of
// its error answer, which oras-go quotes), printed on one line with its control
// characters escaped (printable.Line). The messages print as lines of their own
// (cli.PrintError), and a registry's text must not add lines to them: a fake "Hint:
// run curl … | sh", or a GitHub Actions workflow command ("::…" at the start of a line
// of a job's log). The error stays underneath for errors.Is and As.
type oneLine struct{ err error }

func (e *oneLine) Error() string { return printable.Line(e.err.Error()) }
func (e *oneLine) Unwrap() error { return e.err }

// layoutFault says why a local layout's disk failed doing: a full disk, or a layout the
// command cannot write. Neither is a network fault, which a syscall.Errno would pass
// for (it has net.Error's methods): a full disk was exit 7, "retry later", and had
// PushBlob make the upload again.
func layoutFault(doing string, err error) error {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno) && (errno == syscall.ENOSPC || errno == syscall.EDQUOT):
		// The path oras-go wrote to is a file of its own in ingest/, of no use here.
		return fault.New(fault.Unknown, fmt.Errorf("%s: %w", doing, errno), diskFull)
	case errors.Is(err, syscall.EROFS):
		return fault.New(fault.Unknown, fmt.Errorf("%s: %w", doing, err),
			"the layout's file system is mounted read-only: it can be read, not written; write to a layout elsewhere")
	case errors.Is(err, fs.ErrPermission):
		return fault.New(fault.Unknown, fmt.Errorf("%s: %w", doing, err),
			"the layout's directory or files refuse this user: check their owner and permissions")
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// diskFull is the hint of a layout whose disk filled up: what was being written is
// dropped, and what the layout held before is all there.
const diskFull = "the disk holding the layout is full: free space and run the command again; the layout keeps the tags it had"

// hasCode reports whether a registry's error answer holds one of codes.
func hasCode(resp *errcode.ErrorResponse, codes ...string) bool {
	for _, e := range resp.Errors {
		if slices.Contains(codes, e.Code) {
			return true
		}
	}
	return false
}

// DialTarget is the address a failed dial was for: the resolved address when there was
// one, else host (a DNS failure has no address, and printed "%!s(<nil>)").
func DialTarget(opErr *net.OpError, host string) string {
	if opErr.Addr != nil {
		return opErr.Addr.String()
	}
	return host
}

// LoginHint says how to give credentials for host, whichever tool the user has: the
// hint of a refusal, or of credentials none are configured for.
func LoginHint(host string) string {
	return fmt.Sprintf("log in with `pkg-tap login %s -u USER --password-stdin` or `docker login %s` (longshore reads the docker config and its credential helpers)", host, host)
}

// TLSFault says what went wrong between plain HTTP and TLS with host, or with its
// certificate, in words a user acts on, doing first; nil when err is something else.
// caFile is the CA file the user gave ("" for none). Go's own x509 text ("certificate
// signed by unknown authority") names neither the registry nor the certificate's
// issuer, nor what to do. A problem of trust is exit 1: no retry mends it, and no
// login either.
func TLSFault(doing, host, caFile string, err error) error {
	var plainToTLS *PlainHTTPToTLSError
	var unknownAuthority x509.UnknownAuthorityError
	var certInvalid x509.CertificateInvalidError
	var hostnameErr x509.HostnameError
	const insecure = "; --insecure skips the check as a last resort: anyone on the network between you and the registry could then pose as it, and read your credentials"
	switch {
	case errors.As(err, &plainToTLS):
		hint := "drop --plain-http (or give --plain-http=false): it speaks TLS"
		if !plainToTLS.Chosen {
			// Plain HTTP was the loopback default, not the user's choice.
			hint = "give --plain-http=false: it speaks TLS, and a loopback registry gets plain HTTP by default"
		}
		return tlsFault(fmt.Errorf("%s: %w", doing, plainToTLS), hint)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"),
		strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		return tlsFault(fmt.Errorf("%s: %s speaks plain HTTP, not TLS", doing, host),
			fmt.Sprintf("use --plain-http if you trust the network to %s: plain HTTP is neither private nor checked", host))
	case errors.As(err, &unknownAuthority):
		issuer := "an unknown issuer"
		if c := unknownAuthority.Cert; c != nil {
			issuer = fmt.Sprintf("%q", certName(c.Issuer.CommonName, c.Issuer.String()))
			if bytes.Equal(c.RawIssuer, c.RawSubject) {
				issuer = "itself (a self-signed certificate)"
			}
		}
		if caFile != "" {
			return tlsFault(
				fmt.Errorf("%s: the TLS certificate of %s is not trusted: it was issued by %s, which neither the CA file %s nor the system trusts", doing, host, issuer, caFile),
				"pass the CA certificate that issued it (PEM) with --ca-file; the file given holds other CAs"+insecure)
		}
		return tlsFault(
			fmt.Errorf("%s: the TLS certificate of %s is not trusted: it was issued by %s, which is not among the system's trusted CAs", doing, host, issuer),
			"if you trust the registry, pass the CA certificate that issued its certificate (PEM) with --ca-file FILE (or set LONGSHORE_CA_FILE=FILE), or add the CA to the system's trust store"+insecure)
	case errors.As(err, &hostnameErr):
		names := "no name"
		if c := hostnameErr.Certificate; c != nil {
			var list []string
			list = append(list, c.DNSNames...)
			for _, ip := range c.IPAddresses {
				list = append(list, ip.String())
			}
			if len(list) == 0 && c.Subject.CommonName != "" {
				list = append(list, c.Subject.CommonName+" (as its common name only, which TLS no longer accepts)")
			}
			if len(list) > 0 {
				names = strings.Join(list, ", ")
			}
		}
		return tlsFault(
			fmt.Errorf("%s: the TLS certificate of %s is for %s, not %s", doing, host, names, hostnameErr.Host),
			fmt.Sprintf("reach the registry by a name its certificate holds, or have the certificate reissued with %s among its subject alternative names", hostnameErr.Host))
	case errors.As(err, &certInvalid) && certInvalid.Reason == x509.Expired && certInvalid.Cert != nil:
		c := certInvalid.Cert
		now := time.Now()
		if now.Before(c.NotBefore) {
			return tlsFault(
				fmt.Errorf("%s: the TLS certificate of %s is not valid before %s (this machine's clock says %s)", doing, host, c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)),
				"check this machine's clock; if it is right, the registry's certificate is misissued"+insecure)
		}
		return tlsFault(
			fmt.Errorf("%s: the TLS certificate of %s expired on %s", doing, host, c.NotAfter.UTC().Format(time.RFC3339)),
			"the registry's operator must renew its certificate (or check this machine's clock, which says "+now.UTC().Format(time.RFC3339)+")"+insecure)
	case errors.As(err, &certInvalid):
		return tlsFault(
			fmt.Errorf("%s: the TLS certificate of %s is not valid: %w", doing, host, certInvalid),
			"the registry's operator must fix its certificate"+insecure)
	}
	return nil
}

// tlsError marks the errors TLSFault phrased, for IsTLSFault.
type tlsError struct{ err error }

func (e *tlsError) Error() string { return e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

func tlsFault(err error, hint string) error {
	return fault.New(fault.Unknown, &tlsError{err}, hint)
}

// IsTLSFault reports whether err is, or wraps, one TLSFault phrased: a matter of
// configuration (a CA file, --plain-http), not of the network, whose hint a caller that
// adds its own should keep.
func IsTLSFault(err error) bool {
	var e *tlsError
	return errors.As(err, &e)
}

// certName is a certificate name's common name, else its whole distinguished name.
func certName(common, dn string) string {
	if common != "" {
		return common
	}
	return dn
}

// dropQueries cuts the query off the URLs in err's chain. An upload's URL carries the
// registry's state for the session (Distribution's _state, a few hundred characters),
// and some registries sign such URLs: noise at best, a token for the session at worst,
// and never what a user needs to read.
func dropQueries(err error) {
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && resp.URL != nil && (resp.URL.RawQuery != "" || resp.URL.ForceQuery) {
		u := *resp.URL
		u.RawQuery, u.ForceQuery = "", false
		resp.URL = &u
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if i := strings.IndexByte(ue.URL, '?'); i >= 0 {
			ue.URL = ue.URL[:i]
		}
	}
}
