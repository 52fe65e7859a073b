package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"longshore.dev/lib/fault"
)

// DeletesRefusedHint is the hint for a registry that answers a delete with 405.
const DeletesRefusedHint = "the registry refuses deletes: for CNCF Distribution set storage.delete.enabled: true " +
	"(or REGISTRY_STORAGE_DELETE_ENABLED=true); other registries have their own setting or retention policies"

// Delete removes a manifest or index from the repository by digest (a registry then
// drops every tag that pointed at it). Blobs stay until the registry's own garbage
// collection finds them unreferenced; in a local layout they go at once.
func (t *Target) Delete(ctx context.Context, desc ocispec.Descriptor) error {
	if err := t.refuseWrite(fmt.Sprintf("deleting %s from %s", desc.Digest, t.where)); err != nil {
		return err
	}
	deleter, ok := t.store.(content.Deleter)
	if !ok {
		return fmt.Errorf("deleting %s: %s cannot delete content", desc.Digest, t.where)
	}
	err := deleter.Delete(ctx, desc)
	if err == nil {
		return t.saveIndex()
	}
	if refusesDeletes(err) {
		return fault.New(fault.Unknown,
			fmt.Errorf("deleting %s from %s: %s refuses deletes (HTTP 405, UNSUPPORTED)", desc.Digest, t.where, t.Ref.Registry),
			DeletesRefusedHint)
	}
	return t.classify(err, fmt.Sprintf("deleting %s from %s", desc.Digest, t.where))
}

// refusesDeletes recognises a registry configured not to delete: Distribution answers
// 405 with the error code UNSUPPORTED.
func refusesDeletes(err error) bool {
	var resp *errcode.ErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	if resp.StatusCode == http.StatusMethodNotAllowed {
		return true
	}
	for _, e := range resp.Errors {
		if e.Code == errcode.ErrorCodeUnsupported {
			return true
		}
	}
	return false
}
