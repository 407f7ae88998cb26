package check

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// counter yields 0, 1, … n-1 and counts how many it has handed out.
func counter(n int, read *atomic.Int64) func() (int, bool, error) {
	return func() (int, bool, error) {
		i := int(read.Load())
		if i == n {
			return 0, false, nil
		}
		read.Add(1)
		return i, true, nil
	}
}

func TestEachInOrder(t *testing.T) {
	var read, running, most atomic.Int64
	var got []int
	err := Each(context.Background(), 4, counter(500, &read), func(_ context.Context, i int) (int, error) {
		if r := running.Add(1); r > most.Load() {
			most.Store(r)
		}
		defer running.Add(-1)
		time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		return i * 2, nil
	}, func(r int, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
		// Bounded: the reader is never far ahead of the writer.
		if ahead := int(read.Load()) - len(got); ahead > 3*4+1 {
			t.Fatalf("%d items read ahead of the writer", ahead)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 500 {
		t.Fatalf("%d results, want 500", len(got))
	}
	for i, r := range got {
		if r != i*2 {
			t.Fatalf("result %d is %d: out of order", i, r)
		}
	}
	if most.Load() > 4 {
		t.Errorf("%d items ran at once with 4 workers", most.Load())
	}
}

// A panic is that item's error; the others go on.
func TestEachRecoversPanic(t *testing.T) {
	var read atomic.Int64
	var errs []error
	err := Each(context.Background(), 2, counter(10, &read), func(_ context.Context, i int) (int, error) {
		if i == 3 {
			panic("boom")
		}
		return i, nil
	}, func(r int, err error) error {
		errs = append(errs, err)
		return nil
	})
	if err != nil || len(errs) != 10 {
		t.Fatalf("err %v, %d results", err, len(errs))
	}
	var pe *PanicError
	if !errors.As(errs[3], &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Errorf("item 3: %v, want the recovered panic with its stack", errs[3])
	}
	for i, e := range errs {
		if i != 3 && e != nil {
			t.Errorf("item %d: %v", i, e)
		}
	}
}

// emit's error stops Each, which returns it once no worker runs.
func TestEachStopsOnEmitError(t *testing.T) {
	var read, running atomic.Int64
	stop := errors.New("writer gone")
	emitted := 0
	err := Each(context.Background(), 3, counter(1_000_000, &read), func(ctx context.Context, i int) (int, error) {
		running.Add(1)
		defer running.Add(-1)
		return i, nil
	}, func(int, error) error {
		emitted++
		if emitted == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err %v, want the writer's", err)
	}
	if running.Load() != 0 {
		t.Errorf("%d workers still running after Each returned", running.Load())
	}
	if read.Load() > 5+3*3+1 {
		t.Errorf("read %d items for 5 results", read.Load())
	}
}

// A cancelled context stops reading; Each returns the context's error.
func TestEachStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var read atomic.Int64
	emitted := 0
	err := Each(ctx, 2, counter(1_000_000, &read), func(ctx context.Context, i int) (int, error) {
		if i == 10 {
			cancel()
		}
		return i, ctx.Err()
	}, func(_ int, err error) error {
		emitted++
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if read.Load() > 10+3*2+1 {
		t.Errorf("read %d items after cancelling at 10", read.Load())
	}
}

// next's error ends the run after the items read before it.
func TestEachReadError(t *testing.T) {
	bad := errors.New("unreadable")
	i := 0
	next := func() (int, bool, error) {
		if i == 7 {
			return 0, false, bad
		}
		i++
		return i, true, nil
	}
	emitted := 0
	err := Each(context.Background(), 3, next, func(_ context.Context, v int) (int, error) { return v, nil },
		func(int, error) error { emitted++; return nil })
	if !errors.Is(err, bad) || emitted != 7 {
		t.Fatalf("err %v after %d results, want %v after 7", err, emitted, bad)
	}
}

// Waiting runs before Each waits for a result that is not ready.
func TestEachWaiting(t *testing.T) {
	var read atomic.Int64
	release := make(chan struct{})
	waited := 0
	err := Each(context.Background(), 2, counter(3, &read), func(_ context.Context, i int) (int, error) {
		if i == 1 {
			<-release
		}
		return i, nil
	}, func(int, error) error { return nil }, Waiting(func() error {
		waited++
		if waited == 1 {
			close(release)
		}
		return nil
	}))
	if err != nil || waited == 0 {
		t.Fatalf("err %v, waited %d times", err, waited)
	}
}
