package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/reeval"
)

// queueReevaluation records the re-evaluation job (and layer.published
// event) of an import, which a serving ecospace on the database runs (its
// NOTIFY wakes it). The import is committed whatever happens here: a
// failure is said on stderr, and the command still succeeds, so that a
// script does not import the file again.
func queueReevaluation(ctx context.Context, store data.Store, res data.ImportResult, stderr io.Writer) {
	cs, ok := store.(data.ChangeStore)
	if !ok {
		return
	}
	if _, err := reeval.Enqueue(ctx, cs, res, time.Now()); err != nil {
		fmt.Fprintf(stderr, "ecospace import: warning: the layer version is recorded, but its re-evaluation of filed decisions was not queued: %v\n", err)
	}
}
