package check

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// PanicError is a panic in one item of Each, recovered as that item's
// error: in a worker goroutine nothing else would catch it, and it would
// end the process (and, on the embedded store, its audit).
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// EachOption tunes Each.
type EachOption func(*eachOptions)

type eachOptions struct{ waiting func() error }

// Waiting has Each call f before it waits for a result that is not ready
// yet: a streaming writer flushes there, so that its client sees what is
// ready. An error from f stops Each as emit's would.
func Waiting(f func() error) EachOption { return func(o *eachOptions) { o.waiting = f } }

// Each calls do on every item next yields, n items at a time, and hands
// each result to emit in next's order, as soon as it and all before it are
// ready. It holds a few items per worker at the most, never the whole
// input. A panic in do becomes that item's *PanicError.
//
// next reports false at the end, or an error when it cannot read on. Each
// stops reading when next does, when emit returns an error, or when ctx
// ends (an item read but not yet started then gets ctx's error); it
// returns once no do runs any more, with emit's error, else next's, else
// ctx's. do gets a context that ends when Each returns.
func Each[T, R any](ctx context.Context, n int, next func() (T, bool, error), do func(context.Context, T) (R, error), emit func(R, error) error, opts ...EachOption) error {
	var o eachOptions
	for _, opt := range opts {
		opt(&o)
	}
	n = max(n, 1)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type slot struct {
		item T
		res  R
		err  error
		done chan struct{}
	}
	order := make(chan *slot, 2*n) // read, in input order; emit waits on the oldest
	jobs := make(chan *slot)
	var wg sync.WaitGroup
	var readErr error // set before order is closed
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		for {
			it, more, err := safeNext(next)
			if err != nil || !more {
				readErr = err
				return
			}
			s := &slot{item: it, done: make(chan struct{})}
			select {
			case order <- s:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- s:
			case <-ctx.Done():
				s.err = ctx.Err()
				close(s.done)
				return
			}
		}
	}()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				s.res, s.err = safely(ctx, do, s.item)
				close(s.done)
			}
		}()
	}
	err := func() error {
		for s := range order {
			select {
			case <-s.done:
			default:
				if o.waiting != nil {
					if err := o.waiting(); err != nil {
						return err
					}
				}
				<-s.done
			}
			if err := emit(s.res, s.err); err != nil {
				return err
			}
		}
		return nil
	}()
	cancel()
	wg.Wait() // no do outlives Each
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	return parent.Err()
}

// safeNext is next() with a panic recovered as its error: the reader runs
// in a goroutine of its own too.
func safeNext[T any](next func() (T, bool, error)) (it T, more bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return next()
}

// safely is do(ctx, item) with a panic recovered as its error.
func safely[T, R any](ctx context.Context, do func(context.Context, T) (R, error), item T) (res R, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return do(ctx, item)
}
