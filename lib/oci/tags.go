package oci

import (
	"context"
	"fmt"
	"slices"

	"longshore.dev/lib/fault"
)

// TagsAfter lists the tags that sort after last ("" lists them all), in lexical order,
// following pagination up to MaxTags. The registry is asked with the `last` pagination
// parameter so that a log of tags that sort by time can be read from a point on; the
// result is filtered and sorted here as well, because some registries (distribution
// 2.8) ignore `last` and list tags in no particular order.
func (t *Target) TagsAfter(ctx context.Context, last string) ([]string, error) {
	var tags []string
	err := t.store.Tags(ctx, last, func(page []string) error {
		for _, tag := range page {
			if tag > last {
				tags = append(tags, tag)
			}
		}
		if len(tags) > MaxTags {
			return fault.Errorf(fault.Verify, "%s lists more than %d tags after %q", t.where, MaxTags, last)
		}
		return nil
	})
	if err != nil {
		return nil, t.classify(err, fmt.Sprintf("listing tags of %s after %q", t.where, last))
	}
	slices.Sort(tags)
	return slices.Compact(tags), nil
}
