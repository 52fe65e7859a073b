package oci

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"

	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"longshore.dev/lib/fault"
)

// classify wraps err with what was being done and the fault kind a user acts on. Error
// texts from oras-go carry URLs, never credentials (those live in headers).
func (t *Target) classify(err error, doing string) error {
	if err == nil {
		return nil
	}
	if fault.KindOf(err) != fault.Unknown {
		return fmt.Errorf("%s: %w", doing, err)
	}
	host := t.Ref.Registry
	wrapped := fmt.Errorf("%s: %w", doing, err)
	var resp *errcode.ErrorResponse
	var unknownAuthority x509.UnknownAuthorityError
	var certInvalid x509.CertificateInvalidError
	var hostnameErr x509.HostnameError
	var netErr net.Error
	var opErr *net.OpError
	var execErr *exec.Error
	switch {
	case errors.Is(err, context.Canceled):
		return wrapped
	case errors.Is(err, errdef.ErrNotFound):
		return fault.New(fault.NotFound, fmt.Errorf("%s: not found", doing), "")
	case errors.Is(err, content.ErrMismatchedDigest), errors.Is(err, content.ErrTrailingData),
		errors.Is(err, content.ErrInvalidDescriptorSize):
		return fault.New(fault.Verify, wrapped, "the registry served bytes that do not match their digest; the content was refused")
	case strings.Contains(err.Error(), "mismatch Content-Length"):
		// The registry announced a size other than the descriptor's: truncated or padded.
		return fault.New(fault.Verify, wrapped, "the registry served a size that does not match the descriptor; the content was refused")
	case errors.Is(err, errdef.ErrSizeExceedsLimit), errors.Is(err, errdef.ErrTooManyPages):
		return fault.New(fault.Verify, wrapped, "")
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
		case resp.StatusCode == http.StatusNotFound:
			return fault.New(fault.NotFound, fmt.Errorf("%s: not found", doing), "")
		case resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusHTTPVersionNotSupported:
			return fault.New(fault.Unknown, wrapped,
				fmt.Sprintf("%s does not act like an OCI registry (it answered HTTP %d): check the address; a registry serves the /v2/ API", host, resp.StatusCode))
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return fault.New(fault.Network, wrapped, "the registry is overloaded or failing; try again later")
		}
		return wrapped
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fault.New(fault.Unknown, wrapped,
			fmt.Sprintf("%s speaks plain HTTP: use --plain-http if you trust the network to it", host))
	case strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		return fault.New(fault.Unknown, wrapped, fmt.Sprintf("%s speaks plain HTTP: use --plain-http", host))
	case errors.As(err, &unknownAuthority), errors.As(err, &certInvalid), errors.As(err, &hostnameErr):
		return fault.New(fault.Unknown, wrapped,
			fmt.Sprintf("%s's TLS certificate is not trusted: pass its CA with --ca-file", host))
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
