package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zhonglou/ecospace/data"
)

// checkImportBackdate refuses, unless --backdate, a new version of a layer
// valid from before its newest version's valid_from or before today in
// China (data.CheckBackdate): a back-dated version changes what past
// dates answer, so it is made on purpose only. The store checks the first
// half again when it commits.
func checkImportBackdate(ctx context.Context, store data.Store, layer string, from time.Time, backdate bool) error {
	if from.IsZero() {
		from = data.Today()
	}
	vs, err := store.Versions(ctx, layer)
	if err != nil {
		return err
	}
	if err := data.CheckBackdate(layer, vs, from, data.Today(), backdate); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	return nil
}
